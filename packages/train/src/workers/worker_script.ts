// SPDX-License-Identifier: MIT
// Where a worker thread's compiled script is: beside the module that starts it in dist/, or, when that module
// runs from the TypeScript sources (tests), its built copy under dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of `script` (a .js file relative to `from`, the caller's import.meta.url) or its built copy. */
export function workerScript(script: string, from: string, what: string): string {
  const here = fileURLToPath(new URL(script, from));
  if (existsSync(here)) return here;
  // The last `src` folder of the path is the package's sources; its build sits in `dist` beside it.
  const built = here.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (built !== here && existsSync(built)) return built;
  throw new Error(`${what}: neither ${here} nor ${built} exists; build @natzoo/train (tsc -b packages/train)`);
}
