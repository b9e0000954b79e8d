// SPDX-License-Identifier: MIT
// Where a worker thread's script is: the compiled file beside the caller, or, when the caller runs from the
// TypeScript sources (tests), the built copy under dist/ (worker threads cannot load .ts files).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of `file` (a .js name) beside `callerUrl` (the caller's import.meta.url), or of its built copy. */
export function workerScriptPath(callerUrl: string, file: string, what: string): string {
  const here = fileURLToPath(new URL(`./${file}`, callerUrl));
  if (existsSync(here)) return here;
  const built = here.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (built !== here && existsSync(built)) return built;
  throw new Error(`${what}: neither ${here} nor ${built} exists; build @natzoo/train (tsc -b packages/train)`);
}
