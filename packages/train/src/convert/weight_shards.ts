// SPDX-License-Identifier: MIT
// A model's weight data as the tfjs converter writes it: 4 MB shards, so download progress moves shard by shard
// and browsers cache the pieces; the loader concatenates them again (weights may straddle shards).

/** The tfjs converter's default shard size: small enough for progress to move and for browsers to cache. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * The weight data cut into `SHARD_BYTES` pieces named as the tfjs converter names them (`group1-shard1of3.bin`);
 * weights that fit one shard keep the single `weights.bin` of earlier natzoo directories.
 */
export function weightShards(data: ArrayBuffer, shardBytes = SHARD_BYTES): { name: string; bytes: Uint8Array }[] {
  const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  return Array.from({ length: count }, (_, i) => ({
    name: count === 1 ? 'weights.bin' : `group1-shard${i + 1}of${count}.bin`,
    bytes: new Uint8Array(data, i * shardBytes, Math.min(shardBytes, data.byteLength - i * shardBytes)),
  }));
}
