// SPDX-License-Identifier: MIT
// Why loading a pretrained model by name failed, in a form code can test (`problem`) and with a message that
// says what to do. One error type for the hub resolver, the download and the conversion step.

export type HubProblem =
  | 'network' // the host could not be reached
  | 'cors' // the host answered, but not to this page's origin (browsers only)
  | 'not-found' // 404: no such repo, revision or file
  | 'gated' // 401/403: a gated or private repo
  | 'http' // any other HTTP failure
  | 'unknown-model-type' // config.json describes an architecture natzoo does not have
  | 'bad-config' // config.json (or preprocessor_config.json) is not what the architecture needs
  | 'keys-mismatch' // the checkpoint's keys do not fit the architecture config.json describes
  | 'size-mismatch' // fewer or more bytes than the server announced
  | 'hash-mismatch' // the sha256 does not start with the hash in the file name
  | 'bad-reference'; // neither a hub id nor a registry tag

export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly problem: HubProblem,
    /** The URL, hub id or tag the problem is about. */
    readonly subject: string,
    detail: string,
    readonly status: number | null = null,
    options?: ErrorOptions,
  ) {
    super(`${subject}: ${detail}`, options);
  }
}
