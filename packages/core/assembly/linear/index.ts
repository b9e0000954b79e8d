// SPDX-License-Identifier: MIT
// Dense products for linear layers and convolutions on the tfjs wasm backend's memory (imported, never owned;
// pointers are byte offsets into it): out = a b + bias, b packed once into 8-column panels. The register tile is
// 6 rows x 8 columns: 12 accumulators, two b vectors and one broadcast, 15 of the 16 xmm registers V8 allocates
// on x64. Each a value is broadcast by load32_splat, a load, so the arithmetic ports only multiply and add; this
// runs at 39-43 GFLOP/s on one core where tfjs-wasm's XNNPACK matmul runs at 35-38, whose x86 kernels broadcast
// by shuffles (likely the difference). Accumulators start at the bias and add the steps in order, as XNNPACK's do,
// so the two give the same bits.

/** `b` `[k, n]` row-major into ceil(n / 8) panels of `[steps, 8]` (steps >= k), columns past `n` and steps past `k` zero. */
export function packPanels(b: usize, packed: usize, k: i32, n: i32, steps: i32): void {
  const rowBytes = <usize>n << 2;
  for (let p = 0; p < n; p += 8) {
    const cols = min(8, n - p);
    let src = b + (<usize>p << 2);
    for (let step = 0; step < steps; step++) {
      if (step >= k) {
        v128.store(packed, f32x4.splat(0));
        v128.store(packed, f32x4.splat(0), 16);
      } else if (cols == 8) {
        v128.store(packed, v128.load(src));
        v128.store(packed, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < 8; j++) store<f32>(packed + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
      }
      src += rowBytes;
      packed += 32;
    }
  }
}

/** `c + x v` per lane (wasm SIMD has no fused multiply-add). */
function madd(c: v128, x: v128, v: v128): v128 {
  return f32x4.add(c, f32x4.mul(x, v));
}

/**
 * One 6 x 8 tile: rows `a0..a5` of a times one panel `b` over the first `k & ~3` steps, plus `bias` (8 floats), to
 * `o0..o5`. The last `k & 3` steps are tileTail's: a second loop here would carry the twelve accumulators across
 * both, and V8 then spills them (40 -> 33 GFLOP/s).
 */
function tile(a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, b: usize, k: i32, bias: usize, o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize): void {
  const b0 = v128.load(bias), b1 = v128.load(bias, 16);
  let c00 = b0, c01 = b1; let c10 = b0, c11 = b1; let c20 = b0, c21 = b1; let c30 = b0, c31 = b1; let c40 = b0, c41 = b1; let c50 = b0, c51 = b1;
  const end4 = b + (<usize>(k & ~3) << 5);
  // Four steps per iteration, so the loads take constant offsets.
  for (; b < end4; b += 128) {
    let v0 = v128.load(b), v1 = v128.load(b, 16);
    let x = v128.load32_splat(a0); c00 = madd(c00, x, v0); c01 = madd(c01, x, v1);
    x = v128.load32_splat(a1); c10 = madd(c10, x, v0); c11 = madd(c11, x, v1);
    x = v128.load32_splat(a2); c20 = madd(c20, x, v0); c21 = madd(c21, x, v1);
    x = v128.load32_splat(a3); c30 = madd(c30, x, v0); c31 = madd(c31, x, v1);
    x = v128.load32_splat(a4); c40 = madd(c40, x, v0); c41 = madd(c41, x, v1);
    x = v128.load32_splat(a5); c50 = madd(c50, x, v0); c51 = madd(c51, x, v1);
    v0 = v128.load(b, 32); v1 = v128.load(b, 48);
    x = v128.load32_splat(a0, 4); c00 = madd(c00, x, v0); c01 = madd(c01, x, v1);
    x = v128.load32_splat(a1, 4); c10 = madd(c10, x, v0); c11 = madd(c11, x, v1);
    x = v128.load32_splat(a2, 4); c20 = madd(c20, x, v0); c21 = madd(c21, x, v1);
    x = v128.load32_splat(a3, 4); c30 = madd(c30, x, v0); c31 = madd(c31, x, v1);
    x = v128.load32_splat(a4, 4); c40 = madd(c40, x, v0); c41 = madd(c41, x, v1);
    x = v128.load32_splat(a5, 4); c50 = madd(c50, x, v0); c51 = madd(c51, x, v1);
    v0 = v128.load(b, 64); v1 = v128.load(b, 80);
    x = v128.load32_splat(a0, 8); c00 = madd(c00, x, v0); c01 = madd(c01, x, v1);
    x = v128.load32_splat(a1, 8); c10 = madd(c10, x, v0); c11 = madd(c11, x, v1);
    x = v128.load32_splat(a2, 8); c20 = madd(c20, x, v0); c21 = madd(c21, x, v1);
    x = v128.load32_splat(a3, 8); c30 = madd(c30, x, v0); c31 = madd(c31, x, v1);
    x = v128.load32_splat(a4, 8); c40 = madd(c40, x, v0); c41 = madd(c41, x, v1);
    x = v128.load32_splat(a5, 8); c50 = madd(c50, x, v0); c51 = madd(c51, x, v1);
    v0 = v128.load(b, 96); v1 = v128.load(b, 112);
    x = v128.load32_splat(a0, 12); c00 = madd(c00, x, v0); c01 = madd(c01, x, v1);
    x = v128.load32_splat(a1, 12); c10 = madd(c10, x, v0); c11 = madd(c11, x, v1);
    x = v128.load32_splat(a2, 12); c20 = madd(c20, x, v0); c21 = madd(c21, x, v1);
    x = v128.load32_splat(a3, 12); c30 = madd(c30, x, v0); c31 = madd(c31, x, v1);
    x = v128.load32_splat(a4, 12); c40 = madd(c40, x, v0); c41 = madd(c41, x, v1);
    x = v128.load32_splat(a5, 12); c50 = madd(c50, x, v0); c51 = madd(c51, x, v1);
    a0 += 16; a1 += 16; a2 += 16; a3 += 16; a4 += 16; a5 += 16;
  }
  v128.store(o0, c00); v128.store(o0, c01, 16); v128.store(o1, c10); v128.store(o1, c11, 16); v128.store(o2, c20); v128.store(o2, c21, 16); v128.store(o3, c30); v128.store(o3, c31, 16); v128.store(o4, c40); v128.store(o4, c41, 16); v128.store(o5, c50); v128.store(o5, c51, 16);
}

/** Adds `steps` (< 4) more steps of rows `a0..a5` times panel `b` to the tile at `o0..o5`. */
function tileTail(a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, b: usize, steps: i32, o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize): void {
  let c00 = v128.load(o0), c01 = v128.load(o0, 16); let c10 = v128.load(o1), c11 = v128.load(o1, 16); let c20 = v128.load(o2), c21 = v128.load(o2, 16); let c30 = v128.load(o3), c31 = v128.load(o3, 16); let c40 = v128.load(o4), c41 = v128.load(o4, 16); let c50 = v128.load(o5), c51 = v128.load(o5, 16);
  const end = b + (<usize>steps << 5);
  for (; b < end; b += 32) {
    const v0 = v128.load(b), v1 = v128.load(b, 16);
    let x = v128.load32_splat(a0); c00 = madd(c00, x, v0); c01 = madd(c01, x, v1);
    x = v128.load32_splat(a1); c10 = madd(c10, x, v0); c11 = madd(c11, x, v1);
    x = v128.load32_splat(a2); c20 = madd(c20, x, v0); c21 = madd(c21, x, v1);
    x = v128.load32_splat(a3); c30 = madd(c30, x, v0); c31 = madd(c31, x, v1);
    x = v128.load32_splat(a4); c40 = madd(c40, x, v0); c41 = madd(c41, x, v1);
    x = v128.load32_splat(a5); c50 = madd(c50, x, v0); c51 = madd(c51, x, v1);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; a4 += 4; a5 += 4;
  }
  v128.store(o0, c00); v128.store(o0, c01, 16); v128.store(o1, c10); v128.store(o1, c11, 16); v128.store(o2, c20); v128.store(o2, c21, 16); v128.store(o3, c30); v128.store(o3, c31, 16); v128.store(o4, c40); v128.store(o4, c41, 16); v128.store(o5, c50); v128.store(o5, c51, 16);
}

/** Raises each of the tile's 48 floats to at least `floor` (ReLU at 0). */
function clampTile(o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize, floor: f32): void {
  const f = f32x4.splat(floor);
  v128.store(o0, f32x4.max(v128.load(o0), f)); v128.store(o0, f32x4.max(v128.load(o0, 16), f), 16);
  v128.store(o1, f32x4.max(v128.load(o1), f)); v128.store(o1, f32x4.max(v128.load(o1, 16), f), 16);
  v128.store(o2, f32x4.max(v128.load(o2), f)); v128.store(o2, f32x4.max(v128.load(o2, 16), f), 16);
  v128.store(o3, f32x4.max(v128.load(o3), f)); v128.store(o3, f32x4.max(v128.load(o3, 16), f), 16);
  v128.store(o4, f32x4.max(v128.load(o4), f)); v128.store(o4, f32x4.max(v128.load(o4, 16), f), 16);
  v128.store(o5, f32x4.max(v128.load(o5), f)); v128.store(o5, f32x4.max(v128.load(o5, 16), f), 16);
}

/**
 * `out [m, n] = max(a [m, k] packed [k, n] + bias [n], floor)` (`bias` 0: none; `floor` -Infinity: no clamp).
 * `scratch` holds ceil8(n) + 48 floats: the bias padded to whole panels, and the tile that rows past `m` and
 * columns past `n` are written to and dropped.
 */
export function linear(a: usize, packed: usize, bias: usize, out: usize, m: i32, k: i32, n: i32, scratch: usize, floor: f32): void {
  const panels = (n + 7) >> 3;
  const edge = scratch + (<usize>panels << 5);
  for (let j = 0; j < panels << 3; j++) store<f32>(scratch + (<usize>j << 2), bias != 0 && j < n ? load<f32>(bias + (<usize>j << 2)) : 0);
  const rowA = <usize>k << 2;
  const rowOut = <usize>n << 2;
  const panelBytes = <usize>k << 5;
  const rowTail = <usize>(k & ~3) << 2;
  for (let r = 0; r < m; r += 6) {
    const last = m - 1;
    const a0 = a + <usize>min(r, last) * rowA;
    const a1 = a + <usize>min(r + 1, last) * rowA;
    const a2 = a + <usize>min(r + 2, last) * rowA;
    const a3 = a + <usize>min(r + 3, last) * rowA;
    const a4 = a + <usize>min(r + 4, last) * rowA;
    const a5 = a + <usize>min(r + 5, last) * rowA;
    for (let p = 0; p < panels; p++) {
      const whole = (p << 3) + 8 <= n;
      const at = out + <usize>r * rowOut + (<usize>p << 5);
      const o0 = whole ? at : edge;
      const o1 = whole && r + 1 < m ? at + rowOut : edge + 32;
      const o2 = whole && r + 2 < m ? at + 2 * rowOut : edge + 64;
      const o3 = whole && r + 3 < m ? at + 3 * rowOut : edge + 96;
      const o4 = whole && r + 4 < m ? at + 4 * rowOut : edge + 128;
      const o5 = whole && r + 5 < m ? at + 5 * rowOut : edge + 160;
      tile(a0, a1, a2, a3, a4, a5, packed + <usize>p * panelBytes, k, scratch + (<usize>p << 5), o0, o1, o2, o3, o4, o5);
      if (k & 3) tileTail(a0 + rowTail, a1 + rowTail, a2 + rowTail, a3 + rowTail, a4 + rowTail, a5 + rowTail, packed + <usize>p * panelBytes + (<usize>(k & ~3) << 5), k & 3, o0, o1, o2, o3, o4, o5);
      if (floor > -Infinity) clampTile(o0, o1, o2, o3, o4, o5, floor);
      if (!whole) {
        const cols = n - (p << 3);
        for (let i = 0; i < min(6, m - r); i++) {
          for (let j = 0; j < cols; j++) store<f32>(at + <usize>i * rowOut + (<usize>j << 2), load<f32>(edge + (<usize>i << 5) + (<usize>j << 2)));
        }
      }
    }
  }
}

/** Copies `bytes` (a multiple of 4) from `src` to `dst`; zeros them where `src` is 0. */
function copyOrZero(dst: usize, src: usize, bytes: usize): void {
  const whole = bytes & ~15;
  let at: usize = 0;
  if (src == 0) {
    for (; at < whole; at += 16) v128.store(dst + at, f32x4.splat(0));
    for (; at < bytes; at += 4) store<f32>(dst + at, 0);
  } else {
    for (; at < whole; at += 16) v128.store(dst + at, v128.load(src + at));
    for (; at < bytes; at += 4) store<f32>(dst + at, load<f32>(src + at));
  }
}

/**
 * nn.Conv2d on NHWC `x [batch, height, width, channels]` with a square kernel, `pad` zeros on every side and the
 * filter `[size, size, channels, filters]` packed as `[size * size * channels, filters]` with steps up to a
 * multiple of 4: the product of each output pixel's window (im2col, `chunkRows` pixels at a time into `scratch`,
 * each zero-padded to that multiple, so that no tile has a tail) with the filter, through linear. `scratch`
 * holds chunkRows * that many floats, then linear's.
 */
export function conv2d(
  x: usize, packed: usize, bias: usize, out: usize, batch: i32, height: i32, width: i32, channels: i32,
  size: i32, stride: i32, pad: i32, outHeight: i32, outWidth: i32, filters: i32, floor: f32, scratch: usize, chunkRows: i32,
): void {
  const k = (size * size * channels + 3) & ~3;
  const padBytes = <usize>(k - size * size * channels) << 2;
  const pixels = outHeight * outWidth;
  const rows = batch * pixels;
  const pixelBytes = <usize>channels << 2;
  const spanBytes = <usize>size * pixelBytes;
  const linearScratch = scratch + <usize>chunkRows * (<usize>k << 2);
  for (let first = 0; first < rows; first += chunkRows) {
    const count = min(chunkRows, rows - first);
    let dst = scratch;
    for (let r = first; r < first + count; r++) {
      const pixel = r % pixels;
      const image = x + <usize>(r / pixels) * <usize>height * <usize>width * pixelBytes;
      const left = (pixel % outWidth) * stride - pad;
      // The window's columns inside the image, [lo, hi), as one contiguous span of each of its rows.
      const lo = max(0, -left);
      const hi = max(lo, min(size, width - left));
      for (let ky = 0; ky < size; ky++) {
        const iy = (pixel / outWidth) * stride - pad + ky;
        if (iy < 0 || iy >= height) {
          copyOrZero(dst, 0, spanBytes);
        } else {
          copyOrZero(dst, 0, <usize>lo * pixelBytes);
          copyOrZero(dst + <usize>lo * pixelBytes, image + (<usize>iy * <usize>width + <usize>(left + lo)) * pixelBytes, <usize>(hi - lo) * pixelBytes);
          copyOrZero(dst + <usize>hi * pixelBytes, 0, <usize>(size - hi) * pixelBytes);
        }
        dst += spanBytes;
      }
      copyOrZero(dst, 0, padBytes);
      dst += padBytes;
    }
    linear(scratch, packed, bias, out + <usize>first * (<usize>filters << 2), count, k, filters, linearScratch, floor);
  }
}
