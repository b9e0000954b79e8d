// SPDX-License-Identifier: MIT
// torch hub's `name-<hex>.pth` convention: a file name may carry the first hex digits of its sha256.

const HASH_IN_NAME = /-([a-f0-9]{8,})\./;

/** The sha256 prefix `name` carries, if any. */
export function hashPrefixInName(name: string): string | undefined {
  return HASH_IN_NAME.exec(name)?.[1];
}

/** Throws unless `digest` starts with the hash prefix in `name` (names without one pass). */
export function checkHashInName(url: string, name: string, digest: string): void {
  const expected = hashPrefixInName(name);
  if (expected !== undefined && !digest.startsWith(expected)) {
    throw new Error(`${url}: sha256 ${digest} does not start with ${expected} from the file name; refusing the download`);
  }
}
