/**
 * MAX_POOL_2D for uint8, int8 and float32: the largest value among the taps inside the image,
 * then the fused activation's clamp (quantized: raw values, never rescaled, as in TFLite).
 */
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { preparePool } from './pooling-setup.js';

function prepareMaxPool2D(node: KernelNode): KernelRun {
  const p = preparePool(node, ['uint8', 'int8', 'float32']);
  const { batches, inH, inW, channels, filterH, filterW, actMin, actMax } = p;
  const { outHeight, outWidth, padTop, padLeft, strideH, strideW } = p.window;
  const x = p.input.data as Uint8Array | Int8Array | Float32Array;
  const y = p.output.data as Uint8Array | Int8Array | Float32Array;
  const maxima = new Float64Array(channels);

  return function maxPool2d(): void {
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
          maxima.fill(-Infinity);
          for (let ky = yStart; ky < yEnd; ky++) {
            for (let kx = xStart; kx < xEnd; kx++) {
              const src = inBatch + ((iy0 + ky) * inW + ix0 + kx) * channels;
              for (let c = 0; c < channels; c++) {
                const v = x[src + c]!;
                if (v > maxima[c]!) maxima[c] = v;
              }
            }
          }
          for (let c = 0; c < channels; c++) {
            const v = maxima[c]!;
            y[o++] = v < actMin ? actMin : v > actMax ? actMax : v;
          }
        }
      }
    }
  };
}

registerKernel({ op: 'MAX_POOL_2D', dtypes: ['uint8', 'int8', 'float32'], prepare: prepareMaxPool2D });
