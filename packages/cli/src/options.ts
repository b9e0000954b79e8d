// SPDX-License-Identifier: MIT
// Options several commands share, defined once so their names, choices and help read the same everywhere.
import { BACKENDS } from './backend.js';

export const backendOption = { type: 'string', choices: BACKENDS, describe: 'default: tfjs-node when installed, else wasm' } as const;

export const workersOption = {
  type: 'number',
  default: 1,
  describe: 'worker threads, each with its own tfjs (wasm or cpu) and model copy, splitting the images between them (at most four per core)',
} as const;

export const jsonOption = { type: 'boolean', default: false, describe: 'print the result as JSON (with the model and the backend)' } as const;

/** Prints `value` as indented JSON on stdout, or the human-readable `text`. */
export function printResult(json: boolean, value: object, text: string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text);
}

/** Progress and notes go to stderr so stdout stays the command's result (and valid JSON with --json). */
export const log = (line: string): void => console.error(line);
