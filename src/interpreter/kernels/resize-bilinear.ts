import { fb, type DType } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectShape, invalid, requiredInput, sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int16'];
const f32 = Math.fround;

/**
 * RESIZE_BILINEAR as the TFLite 2.9 x86-64 runtime computes it. It has three algorithms:
 * - float32: float32 arithmetic, corners accumulated in the order (y0,x0), (y0,x1), (y1,x0),
 *   (y1,x1); an exact 2× upscale (no align_corners, no half-pixel) takes a special path of
 *   pairwise averages;
 * - uint8: the same float32 interpolation, then +0.5 and truncation;
 * - int8, int16: a float-free algorithm with 10 fractional bits (positions) and 20 (weights),
 *   rounded half away from zero.
 * Quantized values are interpolated as raw integers: the output keeps the input's scale.
 */
registerKernel({
  op: 'RESIZE_BILINEAR',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 2, DTYPES);
    const options = node.options instanceof fb.ResizeBilinearOptionsT ? node.options : new fb.ResizeBilinearOptionsT();
    const { alignCorners, halfPixelCenters } = options;
    if (alignCorners && halfPixelCenters) {
      throw invalid(node, `align_corners and half_pixel_centers cannot both be set`);
    }
    const geometry = resizeGeometry(node, input, output);
    if (input.dtype === 'float32') {
      if (!alignCorners && !halfPixelCenters && geometry.outH === 2 * geometry.inH && geometry.outW === 2 * geometry.inW) {
        return doubleSizeFloat(geometry, input.data as Float32Array, output.data as Float32Array);
      }
      return floatInterpolation(geometry, alignCorners, halfPixelCenters, input.data as Float32Array, output.data as Float32Array, false);
    }
    if (input.dtype === 'uint8') {
      // (An 8×, depth-multiple-of-8, half-pixel case has its own fixed-point path in TFLite; it
      // computes the exact interpolation rounded half up, as the float path does for that scale.)
      return floatInterpolation(geometry, alignCorners, halfPixelCenters, input.data as Uint8Array, output.data as Uint8Array, true);
    }
    return integerInterpolation(geometry, alignCorners, halfPixelCenters, input.data as Int8Array | Int16Array, output.data as Int8Array | Int16Array);
  },
});

export interface ResizeGeometry {
  batches: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  depth: number;
}

/** Checks the NHWC input, the constant [height, width] size operand and the output shape. */
export function resizeGeometry(node: KernelNode, input: RuntimeTensor, output: RuntimeTensor): ResizeGeometry {
  if (input.shape.length !== 4) throw invalid(node, `input must be 4-D NHWC, got [${input.shape.join(', ')}]`);
  const sizeTensor = requiredInput(node, 1);
  if (sizeTensor.dtype !== 'int32' || sizeTensor.shape.length !== 1) throw invalid(node, `size must be a 1-D int32 tensor`);
  const size = constantIntegers(node, 1, 'size');
  if (size.length !== 2 || !(size[0]! > 0 && size[1]! > 0)) throw invalid(node, `size must be two positive values, got [${size.join(', ')}]`);
  const [batches, inH, inW, depth] = input.shape as [number, number, number, number];
  const [outH, outW] = size as [number, number];
  expectShape(node, output, [batches, outH, outW, depth]);
  return { batches, inH, inW, outH, outW, depth };
}

/** One output coordinate's source: the float position and the two neighbouring rows (or columns). */
interface FloatAxis {
  position: Float32Array;
  low: Int32Array;
  high: Int32Array;
}

function floatAxis(outSize: number, inSize: number, alignCorners: boolean, halfPixelCenters: boolean): FloatAxis {
  const scale = alignCorners && outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : f32(inSize / outSize);
  const axis: FloatAxis = { position: new Float32Array(outSize), low: new Int32Array(outSize), high: new Int32Array(outSize) };
  for (let i = 0; i < outSize; i++) {
    const p = halfPixelCenters ? f32(f32(f32(i + 0.5) * scale) - 0.5) : f32(i * scale);
    axis.position[i] = p;
    axis.low[i] = Math.max(Math.floor(p), 0);
    axis.high[i] = Math.min(Math.ceil(p), inSize - 1);
  }
  return axis;
}

/**
 * The general float32 path (float32 and uint8 data): four weights in float32, products summed
 * left to right; for uint8, +0.5 then truncation.
 */
function floatInterpolation(
  g: ResizeGeometry,
  alignCorners: boolean,
  halfPixelCenters: boolean,
  src: Float32Array | Uint8Array,
  dst: Float32Array | Uint8Array,
  roundToInteger: boolean,
): KernelRun {
  const ys = floatAxis(g.outH, g.inH, alignCorners, halfPixelCenters);
  const xs = floatAxis(g.outW, g.inW, alignCorners, halfPixelCenters);
  const { batches, inH, inW, outH, outW, depth } = g;
  return () => {
    let o = 0;
    for (let b = 0; b < batches; b++) {
      for (let y = 0; y < outH; y++) {
        const y0 = ys.low[y]!;
        const y1 = ys.high[y]!;
        const dy = f32(ys.position[y]! - y0);
        const dy1 = f32(1 - dy);
        for (let x = 0; x < outW; x++) {
          const x0 = xs.low[x]!;
          const x1 = xs.high[x]!;
          const dx = f32(xs.position[x]! - x0);
          const dx1 = f32(1 - dx);
          const s0 = f32(dy1 * dx1);
          const s1 = f32(dy1 * dx);
          const s2 = f32(dy * dx1);
          const s3 = f32(dy * dx);
          const i0 = ((b * inH + y0) * inW + x0) * depth;
          const i1 = ((b * inH + y0) * inW + x1) * depth;
          const i2 = ((b * inH + y1) * inW + x0) * depth;
          const i3 = ((b * inH + y1) * inW + x1) * depth;
          for (let c = 0; c < depth; c++, o++) {
            // float32 accumulates into a zeroed output (so a −0 product becomes +0); uint8 starts
            // from the first product, and truncation hides the difference.
            let v = roundToInteger ? f32(src[i0 + c]! * s0) : 0 + f32(src[i0 + c]! * s0);
            v = f32(v + f32(src[i1 + c]! * s1));
            v = f32(v + f32(src[i2 + c]! * s2));
            v = f32(v + f32(src[i3 + c]! * s3));
            dst[o] = roundToInteger ? Math.trunc(f32(v + 0.5)) : v;
          }
        }
      }
    }
  };
}

/**
 * float32 2× upscale: each input pixel and its right/lower neighbours (clamped at the edge)
 * give a 2×2 output block of the pixel, two pairwise means and the mean of the two means.
 */
function doubleSizeFloat(g: ResizeGeometry, src: Float32Array, dst: Float32Array): KernelRun {
  const { batches, inH, inW, depth } = g;
  const outRow = 2 * inW * depth;
  return () => {
    for (let b = 0; b < batches; b++) {
      for (let y0 = 0; y0 < inH; y0++) {
        const y1 = Math.min(y0 + 1, inH - 1);
        for (let x0 = 0; x0 < inW; x0++) {
          const x1 = Math.min(x0 + 1, inW - 1);
          const a = ((b * inH + y0) * inW + x0) * depth;
          const r = ((b * inH + y0) * inW + x1) * depth;
          const d = ((b * inH + y1) * inW + x0) * depth;
          const dr = ((b * inH + y1) * inW + x1) * depth;
          const o = (((b * 2 * inH + 2 * y0) * 2 * inW) + 2 * x0) * depth;
          for (let c = 0; c < depth; c++) {
            const topLeft = src[a + c]!;
            const left = f32(f32(topLeft + src[d + c]!) * 0.5);
            dst[o + c] = topLeft;
            dst[o + depth + c] = f32(f32(topLeft + src[r + c]!) * 0.5);
            dst[o + outRow + c] = left;
            dst[o + outRow + depth + c] = f32(f32(left + f32(f32(src[r + c]! + src[dr + c]!) * 0.5)) * 0.5);
          }
        }
      }
    }
  };
}

/** Source positions in 1/1024 units and the two neighbours, without floating point. */
interface IntegerAxis {
  position: Int32Array;
  low: Int32Array;
  high: Int32Array;
}

function integerAxis(outSize: number, inSize: number, alignCorners: boolean, halfPixelCenters: boolean): IntegerAxis {
  const scale10 =
    alignCorners && outSize > 1
      ? Math.trunc((1024 * (inSize - 1) + Math.trunc((outSize - 1) / 2)) / (outSize - 1))
      : Math.trunc((1024 * inSize + Math.trunc(outSize / 2)) / outSize);
  const axis: IntegerAxis = { position: new Int32Array(outSize), low: new Int32Array(outSize), high: new Int32Array(outSize) };
  for (let i = 0; i < outSize; i++) {
    const p = halfPixelCenters ? i * scale10 + Math.trunc(scale10 / 2) - 512 : i * scale10;
    axis.position[i] = p;
    axis.low[i] = Math.max(Math.trunc(p / 1024), 0);
    axis.high[i] = Math.min(Math.trunc((p + 1023) / 1024), inSize - 1);
  }
  return axis;
}

/** int8/int16: weights in 1/1024, a 20-bit fraction sum rounded half away from zero. */
function integerInterpolation(
  g: ResizeGeometry,
  alignCorners: boolean,
  halfPixelCenters: boolean,
  src: Int8Array | Int16Array,
  dst: Int8Array | Int16Array,
): KernelRun {
  const ys = integerAxis(g.outH, g.inH, alignCorners, halfPixelCenters);
  const xs = integerAxis(g.outW, g.inW, alignCorners, halfPixelCenters);
  const { batches, inH, inW, outH, outW, depth } = g;
  return () => {
    let o = 0;
    for (let b = 0; b < batches; b++) {
      for (let y = 0; y < outH; y++) {
        const y0 = ys.low[y]!;
        const y1 = ys.high[y]!;
        const wy = ys.position[y]! - 1024 * y0;
        const wy1 = 1024 - wy;
        for (let x = 0; x < outW; x++) {
          const x0 = xs.low[x]!;
          const x1 = xs.high[x]!;
          const wx = xs.position[x]! - 1024 * x0;
          const wx1 = 1024 - wx;
          const i00 = ((b * inH + y0) * inW + x0) * depth;
          const i10 = ((b * inH + y1) * inW + x0) * depth;
          const i01 = ((b * inH + y0) * inW + x1) * depth;
          const i11 = ((b * inH + y1) * inW + x1) * depth;
          for (let c = 0; c < depth; c++, o++) {
            // Each term is below 2^36 and the sum below 2^38: exact in doubles.
            const sum = src[i00 + c]! * wy1 * wx1 + src[i10 + c]! * wy * wx1 + src[i01 + c]! * wy1 * wx + src[i11 + c]! * wy * wx;
            dst[o] = Math.trunc((sum + (sum > 0 ? 524288 : -524288)) / 1048576);
          }
        }
      }
    }
  };
}
