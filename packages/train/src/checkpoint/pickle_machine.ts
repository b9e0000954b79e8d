// SPDX-License-Identifier: MIT
// The unpickler's state: the stack, the MARK metastack, the memo, and the budget counters (read_budget.ts).
import type { ByteInput } from '../io/byte_input.js';
import { CheckpointError } from './errors.js';
import { buildNumpyDType } from './numpy_scalar.js';
import type { GlobalRegistry } from './pickle_globals.js';
import { asciiText } from './pickle_text.js';
import { NumpyDType, PyOrderedDict, PyRecord, type PickleValue } from './pickle_values.js';
import { checkBudget, type ReadBudget } from './read_budget.js';
import { TensorRecord } from './tensor_record.js';

export interface UnpickleOptions {
  /** File the pickle belongs to (error messages). */
  path: string;
  registry: GlobalRegistry;
  /** PERSID / BINPERSID: how torch refers to storages. Without it, persistent ids are refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Limits (pickle bytes, opcodes, depth, memo, integer size); default DEFAULT_READ_BUDGET. */
  budget?: ReadBudget;
}

export class Machine {
  stack: PickleValue[] = [];
  private readonly metastack: PickleValue[][] = [];
  readonly memo = new Map<number, PickleValue>();
  readonly globals = new Set<string>();
  private opcodes = 0;
  private readonly start: number;

  constructor(
    private readonly input: ByteInput,
    private readonly opts: UnpickleOptions,
    readonly budget: ReadBudget,
  ) {
    this.start = input.position;
  }

  /** Counts one opcode against the opcode and pickle-size budgets. */
  step(): void {
    this.opcodes++;
    this.within('maxPickleOpcodes', this.opcodes, () => `pickle of more than ${this.budget.maxPickleOpcodes} opcodes`);
    this.within('maxPickleBytes', this.input.position - this.start, () => `pickle of more than ${this.budget.maxPickleBytes} bytes`);
  }

  within(key: keyof ReadBudget, amount: number, what: () => string): void {
    checkBudget(this.budget, key, amount, this.opts.path, what);
  }

  memoSet(index: number, value: PickleValue): void {
    this.memo.set(index, value);
    this.within('maxMemoEntries', this.memo.size, () => `pickle memo of ${this.memo.size} entries`);
  }

  fail(problem: string): never {
    throw new CheckpointError(this.opts.path, `pickle byte ${this.input.position}: ${problem}`);
  }

  /** Pushes onto the current stack (a method, so MARK-popping arguments are evaluated first). */
  push(value: PickleValue): void {
    this.stack.push(value);
  }

  pop(): PickleValue {
    if (this.stack.length === 0) this.fail('stack underflow (corrupt pickle)');
    return this.stack.pop()!;
  }

  top(): PickleValue {
    if (this.stack.length === 0) this.fail('stack underflow (corrupt pickle)');
    return this.stack[this.stack.length - 1]!;
  }

  mark(): void {
    this.within('maxPickleDepth', this.metastack.length + 1, () => `pickle MARKs nested ${this.metastack.length + 1} deep`);
    this.metastack.push(this.stack);
    this.stack = [];
  }

  popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.metastack.pop();
    if (previous === undefined) this.fail('MARK expected but not found (corrupt pickle)');
    this.stack = previous;
    return items;
  }

  uint(bytes: number): number {
    const b = this.input.bytes(bytes);
    let value = 0;
    for (let i = bytes - 1; i >= 0; i--) value = value * 256 + b[i]!;
    if (!Number.isSafeInteger(value)) this.fail(`absurd length ${value}`);
    return value;
  }

  lineText(): string {
    return asciiText(this.input.line());
  }

  global(module: string, name: string): PickleValue {
    this.globals.add(`${module}.${name}`);
    return this.opts.registry.resolve(module, name, this.opts.path);
  }

  memoGet(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`memo key ${index} missing (corrupt pickle)`);
    return this.memo.get(index)!;
  }

  persistent(pid: PickleValue): PickleValue {
    if (this.opts.persistentLoad === undefined) this.fail('persistent id in a pickle that cannot have one');
    return this.opts.persistentLoad(pid);
  }

  construct(cls: PickleValue, args: PickleValue, kwargs: PickleValue): PickleValue {
    if (!Array.isArray(args)) this.fail('object arguments are not a tuple');
    const named = new Map<string, PickleValue>();
    if (kwargs instanceof Map) {
      for (const [k, v] of kwargs) {
        if (typeof k !== 'string') this.fail('keyword argument name is not a string');
        named.set(k, v);
      }
    } else if (kwargs !== null) {
      this.fail('keyword arguments are not a dict');
    }
    return this.opts.registry.construct(cls, args, named, this.opts.path);
  }

  build(target: PickleValue, state: PickleValue): void {
    // Python's default __setstate__: a dict of attributes, or (dict, slots dict).
    const states = Array.isArray(state) && state.length === 2 && !(target instanceof NumpyDType) ? state : [state];
    if (target instanceof NumpyDType) {
      if (!buildNumpyDType(target, state)) this.fail('bad numpy.dtype state');
      return;
    }
    // numpy.ndarray's state is a tuple (version, shape, dtype, fortran, raw bytes): kept as data for the
    // reader that allow-listed `_reconstruct` (CIFAR python batches); checkpoint readers refuse ndarrays.
    if (target instanceof PyRecord && target.className === 'numpy.ndarray') {
      if (!Array.isArray(state)) this.fail('numpy.ndarray BUILD state is not a tuple');
      target.fields.set('state', state);
      return;
    }
    for (const part of states) {
      if (part === null) continue;
      if (!(part instanceof Map)) this.fail(`BUILD state for ${describe(target)} is not a dict`);
      for (const [k, v] of part) {
        if (typeof k !== 'string') this.fail('BUILD attribute name is not a string');
        if (target instanceof PyRecord) target.fields.set(k, v);
        else if (target instanceof PyOrderedDict) target.attributes.set(k, v);
        else if (target instanceof TensorRecord) continue; // tensor attributes (e.g. hooks) carry no data
        else this.fail(`BUILD on ${describe(target)} is not supported`);
      }
    }
  }

  setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof Map)) this.fail(`SETITEM(S) on ${describe(target)}`);
    if (items.length % 2 !== 0) this.fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
  }

  appendItems(target: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(target) || Object.isFrozen(target)) this.fail(`APPEND(S) on ${describe(target)}`);
    for (const item of items) target.push(item);
  }
}

export function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (typeof value === 'object') return value.constructor.name;
  return typeof value;
}
