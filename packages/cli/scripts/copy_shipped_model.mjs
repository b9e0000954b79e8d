// SPDX-License-Identifier: MIT
// The default model of `natzoo classify` ships inside this package, so the CLI works outside the repository.
// The repository's checkpoints/ folder is the source; the build (and `pnpm pack`) copies it to models/.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NAME = 'cct_2_3x2_32.cifar10';
const source = fileURLToPath(new URL(`../../../checkpoints/${NAME}`, import.meta.url));
const target = fileURLToPath(new URL(`../models/${NAME}`, import.meta.url));

if (!existsSync(source)) {
  // Installed from a tarball: the copy is already there.
  if (!existsSync(target)) throw new Error(`copy_shipped_model: neither ${source} nor ${target} exists`);
} else {
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true, dereference: true }); // a converted directory is a link to its version
}
