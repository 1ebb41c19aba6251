// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.

/*
 * Moving 8-bit activations into the int16 layouts the GEMM and depthwise kernels read:
 * every value becomes (q − zero point), which is exact in int16, and padding becomes 0, which
 * is what a tap outside the image contributes. The loops work 8 or 16 bytes at a time and may
 * read up to 16 bytes past their source and write up to 16 bytes past their destination
 * (the TypeScript side allocates that slack); anything written past a row lands where a later
 * step writes again.
 */

// @ts-ignore: decorator
@inline
function widen(src: usize, count: i32, zp: v128, signed: bool, dst: usize): void {
  for (let i = 0; i < count; i += 8) {
    const v = signed ? v128.load8x8_s(src + <usize>i) : v128.load8x8_u(src + <usize>i);
    v128.store(dst + (<usize>i << 1), i16x8.sub(v, zp));
  }
}

/** rows × k bytes → rows × kp int16 (values past k are 0). */
export function widenRows(src: usize, rows: i32, k: i32, zeroPoint: i32, signed: bool, dst: usize, kp: i32): void {
  const zp = i16x8.splat(<i16>zeroPoint);
  if (kp == k) {
    widen(src, rows * k, zp, signed, dst);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>(r * kp) * 2;
    widen(src + <usize>(r * k), k, zp, signed, d);
    memory.fill(d + (<usize>k << 1), 0, <usize>(kp - k) << 1);
  }
}

/**
 * Rows y0 .. y0 + rows − 1 of the zero-padded int16 version of an h × w × c image (bytes):
 * the padded image is wp pixels of cp channels wide and has the input at row padT, column padL;
 * every other value is 0. Row y0 lands at dst. With a depth multiplier dm, input channel ch
 * fills channels ch·dm .. ch·dm + dm − 1 (so a depthwise kernel can treat every channel alike).
 */
export function padWiden(src: usize, h: i32, w: i32, c: i32, dm: i32, zeroPoint: i32, signed: bool,
  dst: usize, padT: i32, padL: i32, y0: i32, rows: i32, wp: i32, cp: i32): void {
  const zp = i16x8.splat(<i16>zeroPoint);
  const pixelBytes = <usize>cp << 1;
  const rowBytes = <usize>wp * pixelBytes;
  const used = c * dm;
  const right = max(0, wp - padL - w);
  for (let y = 0; y < rows; y++) {
    const d = dst + <usize>y * rowBytes;
    const sy = y0 + y - padT;
    if (sy < 0 || sy >= h) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    const s = src + <usize>(sy * w * c);
    const interior = d + <usize>padL * pixelBytes;
    if (dm == 1 && cp == c) {
      widen(s, w * c, zp, signed, interior);
    } else if (dm == 1) {
      for (let x = 0; x < w; x++) {
        const p = interior + <usize>x * pixelBytes;
        widen(s + <usize>(x * c), c, zp, signed, p);
        memory.fill(p + (<usize>c << 1), 0, <usize>(cp - c) << 1);
      }
    } else {
      for (let x = 0; x < w; x++) {
        const p = interior + <usize>x * pixelBytes;
        const sp = s + <usize>(x * c);
        for (let ch = 0; ch < c; ch++) {
          const v = <i16>((signed ? <i32>load<i8>(sp + <usize>ch) : <i32>load<u8>(sp + <usize>ch)) - zeroPoint);
          for (let j = 0; j < dm; j++) store<i16>(p + (<usize>(ch * dm + j) << 1), v);
        }
        memory.fill(p + (<usize>used << 1), 0, <usize>(cp - used) << 1);
      }
    }
    memory.fill(d, 0, <usize>padL * pixelBytes);
    memory.fill(interior + <usize>w * pixelBytes, 0, <usize>right * pixelBytes);
  }
}

// @ts-ignore: decorator
@inline
function copy16(dst: usize, src: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 16) v128.store(dst + i, v128.load(src + i));
}

/**
 * im2col over a padWiden'ed image (cp = c): row (oy·outW + ox) of dst holds the kh × kw × c
 * window of output pixel (oy, ox) in filter order, `rowBytes` bytes per row, then a zero
 * when the window has an odd number of values (rowBytes has room for it).
 */
export function im2col(padded: usize, rowStride: usize, c: i32, kh: i32, kw: i32, strideH: i32, strideW: i32,
  dilationH: i32, dilationW: i32, outH: i32, outW: i32, dst: usize, rowBytes: usize): void {
  const pixelBytes = <usize>c << 1;
  const tapY = <usize>dilationH * rowStride;
  const tapX = <usize>dilationW * pixelBytes;
  const runBytes = <usize>kw * pixelBytes;
  let d = dst;
  for (let oy = 0; oy < outH; oy++) {
    const row = padded + <usize>(oy * strideH) * rowStride;
    for (let ox = 0; ox < outW; ox++) {
      let s = row + <usize>(ox * strideW) * pixelBytes;
      let q = d;
      for (let ky = 0; ky < kh; ky++) {
        if (dilationW == 1) {
          copy16(q, s, runBytes); // the kw taps of a filter row are adjacent pixels
          q += runBytes;
        } else {
          for (let kx = 0; kx < kw; kx++) {
            copy16(q, s + <usize>kx * tapX, pixelBytes);
            q += pixelBytes;
          }
        }
        s += tapY;
      }
      // An odd window size leaves one int16 of padding: copy16 wrote past the window into it,
      // and the GEMM's row sums (assembly/gemm.ts) need it to be 0.
      if (q < d + rowBytes) store<i16>(q, 0);
      d += rowBytes;
    }
  }
}
