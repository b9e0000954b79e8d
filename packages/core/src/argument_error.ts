// SPDX-License-Identifier: MIT
// An argument a library function cannot take. It names the argument as the caller passed it (`batchSize`,
// `data`), never a command-line flag: the CLI rewords `argument` as its flag (`--batch-size`).

export class ArgumentError extends Error {
  override name = 'ArgumentError';

  /** `argument`: the parameter or option name; `value`: what was passed (shown in the message; leave it undefined for a missing one). */
  constructor(
    readonly argument: string,
    readonly value: unknown,
    problem: string,
    options?: ErrorOptions,
  ) {
    const shown = value === undefined ? '' : ` ${typeof value === 'string' ? value : JSON.stringify(value)}`;
    super(`${argument}${shown}: ${problem}`, options);
  }
}
