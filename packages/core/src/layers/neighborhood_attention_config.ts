// SPDX-License-Identifier: MIT
// Arguments of the NeighborhoodAttention layers (NATTEN v0.17.5 module kwargs with 0.21's stride and GQA, camelCase)
// and their validation.
import type { serialization } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { NAArgumentError } from '../na_args.js';
import type { PerAxis, SpatialRank } from '../na_args.js';

/** tfjs-layers does not export `LayerArgs` from its index; take it from the Layer constructor. */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/**
 * Arguments shared by both layers. Optional values also accept `null`, which is what a saved config holds for
 * a value left unset.
 */
export interface NeighborhoodAttentionArgs extends LayerArgs {
  /** Channels C; inferred from the input's last axis at build time when unset. */
  dim?: number | null;
  /** Number of heads; C must be divisible by it. */
  numHeads: number;
  /** Window size, per spatial axis or shared. */
  kernelSize: PerAxis<number>;
  /** Dilation, per axis or shared; default 1. */
  dilation?: PerAxis<number> | null;
  /** Causal masking, per axis or shared; default false. */
  isCausal?: PerAxis<boolean> | null;
  /** Stride, per axis or shared, `1 <= stride <= kernelSize`; default 1 (sliding window); `kernelSize` is blocked. */
  stride?: PerAxis<number> | null;
  /** Key/value heads (GQA/MQA); `numHeads` must be a multiple; default `numHeads`. */
  numKVHeads?: number | null;
  /** `numKVHeads` as a saved config spells it (tfjs-layers' snake_case round trip turns KV into Kv). */
  numKvHeads?: number | null;
  /**
   * Learned relative positional bias `rpb`; default true (NAT/DiNAT checkpoints have it, although NATTEN 0.17's
   * own default is false). Not allowed with causal masking.
   */
  relPosBias?: boolean | null;
  /** Bias on the qkv projection; default true. */
  qkvBias?: boolean | null;
  /** Attention scale; default `headDim ** -0.5`. */
  qkScale?: number | null;
  /** Dropout rate on the attention weights while training; default 0. */
  attnDrop?: number | null;
  /** Dropout rate on the output while training; default 0. */
  projDrop?: number | null;
  /**
   * NATTEN <= 0.15 behaviour for inputs smaller than the window: zero-pad the input bottom/right up to
   * `kernelSize * dilation` before qkv (so padded keys and values equal the qkv bias), attend, crop. Default
   * false: such inputs are an error, as in NATTEN 0.17.
   */
  padInput?: boolean | null;
}

export type NeighborhoodAttention1DArgs = NeighborhoodAttentionArgs;
export type NeighborhoodAttention2DArgs = NeighborhoodAttentionArgs;
export type NeighborhoodAttention3DArgs = NeighborhoodAttentionArgs;

/** Arguments with defaults applied and per-axis values expanded to one entry per spatial axis. */
export interface ResolvedNAArgs {
  dim: number | null;
  numHeads: number;
  kernelSize: number[];
  dilation: number[];
  isCausal: boolean[];
  stride: number[];
  numKVHeads: number;
  relPosBias: boolean;
  qkvBias: boolean;
  qkScale: number | null;
  attnDrop: number;
  projDrop: number;
  padInput: boolean;
}

/** Prefix of every error a layer throws, so the message names the layer. */
export function layerLabel(className: string, name: string): string {
  return `${className} '${name}'`;
}

function expand<T>(label: string, key: string, value: PerAxis<T>, rank: SpatialRank): T[] {
  if (Array.isArray(value)) {
    const list = value as readonly T[];
    if (list.length !== rank) {
      throw new NAArgumentError(`${label}: ${key} must have ${rank} value(s), one per spatial axis; got [${list.join(', ')}]`);
    }
    return [...list];
  }
  return new Array<T>(rank).fill(value as T);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function checkRate(label: string, key: string, rate: number): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new NAArgumentError(`${label}: ${key} must be a dropout rate in [0, 1); got ${String(rate)}`);
  }
  return rate;
}

/** Throws unless `dim` splits into `numHeads` heads. */
export function checkHeads(label: string, dim: number, numHeads: number): number {
  if (dim % numHeads !== 0) {
    throw new NAArgumentError(
      `${label}: dim (${dim}) must be divisible by numHeads (${numHeads}); got a head dim of ${dim / numHeads}`,
    );
  }
  return dim / numHeads;
}

/** Applies the defaults and validates what can be checked before the input shape is known. */
export function resolveArgs(label: string, rank: SpatialRank, args: NeighborhoodAttentionArgs): ResolvedNAArgs {
  if (args == null) throw new NAArgumentError(`${label}: args with numHeads and kernelSize are required`);
  const { numHeads } = args;
  if (!isPositiveInteger(numHeads)) {
    throw new NAArgumentError(`${label}: numHeads must be a positive integer; got ${String(numHeads)}`);
  }
  const dim = args.dim ?? null;
  if (dim !== null) {
    if (!isPositiveInteger(dim)) throw new NAArgumentError(`${label}: dim must be a positive integer; got ${String(dim)}`);
    checkHeads(label, dim, numHeads);
  }
  if (args.kernelSize == null) throw new NAArgumentError(`${label}: kernelSize is required`);
  const kernelSize = expand(label, 'kernelSize', args.kernelSize, rank);
  const dilation = expand(label, 'dilation', args.dilation ?? 1, rank);
  const isCausal = expand(label, 'isCausal', args.isCausal ?? false, rank).map((c) => c === true);
  // A 3-D window may be flat along an axis (kernel 1), as in the op.
  const minKernel = rank === 3 ? 1 : 2;
  if (!kernelSize.every((k) => isPositiveInteger(k) && k >= minKernel)) {
    throw new NAArgumentError(`${label}: kernelSize must be an integer >= ${minKernel} on every axis; got [${kernelSize.join(', ')}]`);
  }
  const stride = expand(label, 'stride', args.stride ?? 1, rank);
  if (!stride.every((st, axis) => isPositiveInteger(st) && st <= kernelSize[axis]!)) {
    throw new NAArgumentError(
      `${label}: stride must be an integer with 1 <= stride <= kernelSize on every axis; got stride [${stride.join(', ')}], kernelSize [${kernelSize.join(', ')}]`,
    );
  }
  const numKVHeads = args.numKVHeads ?? args.numKvHeads ?? numHeads;
  if (!isPositiveInteger(numKVHeads) || numHeads % numKVHeads !== 0) {
    throw new NAArgumentError(`${label}: numKVHeads must be a positive integer dividing numHeads (${numHeads}); got ${String(numKVHeads)}`);
  }
  if (!dilation.every((d) => isPositiveInteger(d))) {
    throw new NAArgumentError(`${label}: dilation must be an integer >= 1 on every axis; got [${dilation.join(', ')}]`);
  }
  const relPosBias = args.relPosBias ?? true;
  if (relPosBias) {
    // NATTEN refuses rpb with causal masking; say so here rather than on the first call.
    if (isCausal.some((c) => c)) {
      throw new NAArgumentError(
        `${label}: relPosBias cannot be combined with isCausal [${isCausal.join(', ')}]; pass relPosBias: false`,
      );
    }
  }
  const qkScale = args.qkScale ?? null;
  if (qkScale !== null && (typeof qkScale !== 'number' || !Number.isFinite(qkScale))) {
    throw new NAArgumentError(`${label}: qkScale must be a finite number or null; got ${String(qkScale)}`);
  }
  return {
    dim,
    numHeads,
    kernelSize,
    dilation,
    isCausal,
    stride,
    numKVHeads,
    relPosBias,
    qkvBias: args.qkvBias ?? true,
    qkScale,
    attnDrop: checkRate(label, 'attnDrop', args.attnDrop ?? 0),
    projDrop: checkRate(label, 'projDrop', args.projDrop ?? 0),
    padInput: args.padInput === true,
  };
}

/**
 * The layer-specific part of `getConfig()`: every argument, so `fromConfig` rebuilds the same layer. `stride` and
 * `numKVHeads` appear only when set, so configs saved before they existed stay byte-identical.
 */
export function argsConfig(args: ResolvedNAArgs): serialization.ConfigDict {
  const generalized: serialization.ConfigDict = {};
  if (args.stride.some((s) => s !== 1)) generalized.stride = [...args.stride];
  if (args.numKVHeads !== args.numHeads) generalized.numKvHeads = args.numKVHeads;
  return {
    ...generalized,
    dim: args.dim,
    numHeads: args.numHeads,
    kernelSize: [...args.kernelSize],
    dilation: [...args.dilation],
    isCausal: [...args.isCausal],
    relPosBias: args.relPosBias,
    qkvBias: args.qkvBias,
    qkScale: args.qkScale,
    attnDrop: args.attnDrop,
    projDrop: args.projDrop,
    padInput: args.padInput,
  };
}
