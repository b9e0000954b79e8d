// SPDX-License-Identifier: MIT
// The tfjs wasm heap (32-bit addresses: at most 4 GiB) could not hold what a step needed. Emscripten's malloc
// returns 0 when the heap cannot grow (tfjs would then write at address 0), and tfjs-wasm's own C++ aborts the
// instance instead ("RuntimeError: Aborted()"). Whoever knows the step (the train loop, an inference job) names
// the batch it ran at and the arguments that make it smaller; the CLI words those arguments as flags.

/** The largest wasm heap: 65535 pages of 64 KiB (a 32-bit address space less one page). */
export const WASM_HEAP_MAX_BYTES = 65535 * 65536;

/** One way to make a step fit: `how` with `{}` where the argument's name goes (`a smaller {}`). */
export interface WasmHeapRemedy {
  argument: string;
  how: string;
}

/** The step that ran out: what it was, its batch, and what to change. */
export interface WasmHeapStep {
  what: string;
  batch: number;
  remedies: readonly WasmHeapRemedy[];
}

export class WasmHeapError extends Error {
  override name = 'WasmHeapError';

  /**
   * `detail`: the allocation that failed; `aborted`: tfjs-wasm aborted, so its instance cannot run again in this
   * thread; `step`: the step that needed it, once known.
   */
  constructor(
    readonly detail: string,
    readonly aborted: boolean,
    readonly step?: WasmHeapStep,
    options?: ErrorOptions,
  ) {
    super('', options);
    this.message = this.describe();
  }

  /** The same failure, attributed to `step` (the caller's view of it: the whole batch rather than a shard). */
  during(step: WasmHeapStep): WasmHeapError {
    return new WasmHeapError(this.detail, this.aborted, step, { cause: this });
  }

  /** The message, with each remedy's argument named by `name` (the CLI passes its flag for an argument). */
  describe(name: (argument: string) => string = (argument) => argument): string {
    const { step } = this;
    const head = step === undefined ? 'the wasm heap is full' : `${step.what} at batch ${step.batch} needed more than the wasm heap's 4 GiB`;
    const remedies = step === undefined || step.remedies.length === 0 ? '' : `; to fit, use ${step.remedies.map((r) => r.how.replace('{}', name(r.argument))).join(', or ')}`;
    const aborted = this.aborted ? '; tfjs-wasm aborted, so its backend cannot run again in this thread' : '';
    return `${head} (${this.detail})${remedies}${aborted}`;
  }
}
