import { InvalidModelError, fb, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { rawViews } from '../strided-copy.js';
import { resizeGeometry } from './resize-bilinear.js';
import { sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16'];
const f32 = Math.fround;

/**
 * The source row (or column) of each output row, as TFLite 2.9 picks it. uint8 without
 * align_corners or half-pixel centres runs an optimized kernel with a 16.16 fixed-point
 * scale (plus one); every other case computes floor((i + offset) · scale) in float32 (round
 * half away from zero with align_corners), clamped to the input.
 */
function sourceIndices(outSize: number, inSize: number, alignCorners: boolean, halfPixelCenters: boolean, fixedPoint: boolean): Int32Array {
  const out = new Int32Array(outSize);
  if (fixedPoint) {
    const scale = Math.trunc((inSize * 65536) / outSize) + 1;
    for (let i = 0; i < outSize; i++) out[i] = Math.min(Math.floor((i * scale) / 65536), inSize - 1);
    return out;
  }
  const scale = alignCorners && outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : f32(inSize / outSize);
  const offset = halfPixelCenters ? 0.5 : 0;
  for (let i = 0; i < outSize; i++) {
    const p = f32(f32(i + offset) * scale);
    let v = Math.min(alignCorners ? (p < 0 ? -Math.round(-p) : Math.round(p)) : Math.floor(p), inSize - 1);
    if (halfPixelCenters) v = Math.max(0, v);
    out[i] = v;
  }
  return out;
}

/** RESIZE_NEAREST_NEIGHBOR: copies whole pixels (all channels); quantized data passes through. */
registerKernel({
  op: 'RESIZE_NEAREST_NEIGHBOR',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 2, DTYPES);
    const options = node.options instanceof fb.ResizeNearestNeighborOptionsT ? node.options : new fb.ResizeNearestNeighborOptionsT();
    const { alignCorners, halfPixelCenters } = options;
    const g = resizeGeometry(node, input, output);
    const fixedPoint = input.dtype === 'uint8' && !alignCorners && !halfPixelCenters;
    if (fixedPoint && g.inH * 65536 > 2 ** 31) throw new InvalidModelError(`operator ${node.index} (${node.op}): input height ${g.inH} is too large`);
    const ys = sourceIndices(g.outH, g.inH, alignCorners, halfPixelCenters, fixedPoint);
    const xs = sourceIndices(g.outW, g.inW, alignCorners, halfPixelCenters, fixedPoint);
    const [src, dst] = rawViews([input, output]);
    const pixel = g.depth * src!.wordsPerElement;
    const { batches, inH, inW, outH, outW } = g;
    return () => {
      const from = src!.words;
      const to = dst!.words;
      let o = 0;
      for (let b = 0; b < batches; b++) {
        for (let y = 0; y < outH; y++) {
          const row = (b * inH + ys[y]!) * inW;
          for (let x = 0; x < outW; x++) {
            const i = (row + xs[x]!) * pixel;
            for (let c = 0; c < pixel; c++) to[o++] = from[i + c]!;
          }
        }
      }
    };
  },
});
