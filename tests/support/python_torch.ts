// SPDX-License-Identifier: MIT
// Debian's PyTorch (`apt-get install python3-torch`) is importable only by /usr/bin/python3; tests that check
// our files against torch itself run when it is there and say why they skip when it is not.
import { execFileSync, spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

function probe(): { available: boolean; reason: string } {
  const result = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (result.error !== undefined) return { available: false, reason: `${PYTHON} not found (${result.error.message})` };
  if (result.status !== 0) return { available: false, reason: `${PYTHON} cannot import torch (install python3-torch)` };
  return { available: true, reason: `torch ${result.stdout.trim()}` };
}

export const torchEnv = probe();
if (!torchEnv.available) {
  // CI installs python3-torch (.ci/run) and then requires these checks to run.
  if (process.env.NATZOO_REQUIRE_TORCH === '1') throw new Error(`NATZOO_REQUIRE_TORCH=1 but ${torchEnv.reason}`);
  console.log(`skipping the checks against PyTorch: ${torchEnv.reason}`);
}

/** Runs `script` with /usr/bin/python3 and torch; returns its stdout (throws with stderr on failure). */
export function runTorchScript(script: string, args: readonly string[] = []): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
