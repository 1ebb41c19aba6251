/**
 * AVERAGE_POOL_2D for uint8, int8 and float32. The average counts only the taps inside the
 * image (padding is not part of the divisor). Quantized: the integer sum of raw values divided
 * by the count, rounded half away from zero (TFLite's (sum ± count/2) / count), then the
 * activation clamp (raw values: input and output normally share scale and zero point, and
 * TFLite does not rescale when they do not). float32: sum in window order,
 * one division.
 */
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { preparePool } from './pooling-setup.js';

function prepareAveragePool2D(node: KernelNode): KernelRun {
  const p = preparePool(node, ['uint8', 'int8', 'float32']);
  const { batches, inH, inW, channels, filterH, filterW, actMin, actMax } = p;
  const { outHeight, outWidth, padTop, padLeft, strideH, strideW } = p.window;
  const x = p.input.data as Uint8Array | Int8Array | Float32Array;
  const y = p.output.data as Uint8Array | Int8Array | Float32Array;
  const isFloat = p.input.dtype === 'float32';
  // Float sums are rounded to float32 at each step. Integer sums are exact in an Int32Array
  // while the window has fewer than 2^23 taps (|value| ≤ 256): small integers stay unboxed even
  // before the loop is optimized, where doubles read from a Float64Array would each allocate.
  const sums = isFloat ? new Float32Array(channels) : filterH * filterW < 2 ** 23 ? new Int32Array(channels) : new Float64Array(channels);

  return function averagePool2d(): void {
    let o = 0;
    for (let b = 0; b < batches; b++) {
      const inBatch = b * inH * inW * channels;
      for (let oy = 0; oy < outHeight; oy++) {
        const iy0 = oy * strideH - padTop;
        const yStart = Math.max(0, -iy0);
        const yEnd = Math.min(filterH, inH - iy0);
        for (let ox = 0; ox < outWidth; ox++) {
          const ix0 = ox * strideW - padLeft;
          const xStart = Math.max(0, -ix0);
          const xEnd = Math.min(filterW, inW - ix0);
          const count = (yEnd - yStart) * (xEnd - xStart);
          sums.fill(0);
          for (let ky = yStart; ky < yEnd; ky++) {
            for (let kx = xStart; kx < xEnd; kx++) {
              const src = inBatch + ((iy0 + ky) * inW + ix0 + kx) * channels;
              for (let c = 0; c < channels; c++) sums[c] += x[src + c]!;
            }
          }
          if (isFloat) {
            for (let c = 0; c < channels; c++) {
              const v = Math.fround(sums[c]! / count);
              y[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
            }
          } else {
            const half = Math.trunc(count / 2);
            for (let c = 0; c < channels; c++) {
              const s = sums[c]!;
              const v = count === 0 ? 0 : Math.trunc((s > 0 ? s + half : s - half) / count);
              y[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
            }
          }
        }
      }
    }
  };
}

registerKernel({ op: 'AVERAGE_POOL_2D', dtypes: ['uint8', 'int8', 'float32'], prepare: prepareAveragePool2D });
