// SPDX-License-Identifier: MIT
// sha256 of checkpoint bytes (provenance in preprocess.json, torch hub's hash-prefixed file names), the one
// implementation for Node and the browser. Web Crypto has no incremental digest, so a streaming one from
// @noble/hashes: a checkpoint is hashed chunk by chunk and never held whole.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ByteSource } from './byte_source.js';
import { readExactly } from './byte_source.js';

const CHUNK = 8 << 20;

/** An incremental sha256: `update` with each chunk, then `hex()` once. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  hex(): string;
}

export function sha256Stream(): Sha256Stream {
  const hash = sha256.create();
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => bytesToHex(hash.digest()),
  };
}

/** Lower-case hex sha256 of all of `source`'s bytes. */
export async function sha256Hex(source: ByteSource): Promise<string> {
  const hash = sha256Stream();
  for (let at = 0; at < source.byteLength; at += CHUNK) hash.update(await readExactly(source, at, Math.min(CHUNK, source.byteLength - at)));
  return hash.hex();
}
