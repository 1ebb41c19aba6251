import { fb } from '../../tflite/index.js';
import { floatActivationRange, quantizedActivationRange } from '../activation-range.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { multiplyByQuantizedMultiplier } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { constantIntegers } from '../static-operands.js';
import type { RuntimeTensor } from '../tensor.js';
import { convolutionMultipliers } from './conv-multipliers.js';
import { outputSize, paddingBefore } from './padding.js';
import { expectShape, invalid, requiredInput, unsupported } from './node-checks.js';

/**
 * TRANSPOSE_CONV: inputs (output_shape, weights [OC, KH, KW, IC], input NHWC, optional bias).
 * Every input pixel scatters input·weights into the output window it maps to (input pixel
 * (y, x) lands at (y·stride − pad + ky, x·stride − pad + kx)), then the bias is added and the
 * int32 sum requantized. The padding is the one a convolution from the output back to the
 * input would use (TFLite computes it the same way).
 *
 * uint8 (per-tensor weights, non-zero zero points) uses the multiplier from the float32
 * product s_in·s_w; int8 (per-channel weights, zero points 0) one multiplier per output channel
 * from s_in·s_w[c] in double. Both requantize with the reference double rounding.
 *
 * TFLite 2.9 has no fused activation for this op (its schema predates the field); a model
 * that sets one gets the clamp newer TFLite applies.
 *
 * float32 sums in the reference order (input pixel, input channel, tap); TFLite's optimized
 * float kernel sums through a GEMM, so float32 results equal TFLite's only when the sums are
 * exact (integer-valued data, say).
 */
registerKernel({
  // The registry keys kernels on the first input, the int32 output_shape.
  op: 'TRANSPOSE_CONV',
  dtypes: ['int32'],
  prepare(node) {
    if (node.inputs.length !== 3 && node.inputs.length !== 4) {
      throw invalid(node, `expects 3 or 4 inputs (output_shape, weights, input, bias), the model gives ${node.inputs.length}`);
    }
    if (node.outputs.length !== 1) throw invalid(node, `expects one output`);
    const weights = requiredInput(node, 1);
    const input = requiredInput(node, 2);
    const bias = node.inputs[3] ?? null;
    const output = node.outputs[0]!;
    const options = node.options instanceof fb.TransposeConvOptionsT ? node.options : new fb.TransposeConvOptionsT();

    if (input.dtype !== output.dtype) throw invalid(node, `input is ${input.dtype} but output is ${output.dtype}`);
    const expectedWeights = input.dtype === 'float32' ? 'float32' : input.dtype === 'uint8' ? 'uint8' : input.dtype === 'int8' ? 'int8' : null;
    if (!expectedWeights) throw unsupported(node, `${input.dtype} input is not supported (float32, uint8 and int8 are)`);
    if (weights.dtype !== expectedWeights) throw unsupported(node, `${input.dtype} input needs ${expectedWeights} weights, the model has ${weights.dtype}`);
    if (bias && bias.dtype !== (input.dtype === 'float32' ? 'float32' : 'int32')) {
      throw invalid(node, `bias must be ${input.dtype === 'float32' ? 'float32' : 'int32'}, not ${bias.dtype}`);
    }
    if (input.shape.length !== 4 || weights.shape.length !== 4) {
      throw invalid(node, `input and weights must be 4-D (input [${input.shape.join(', ')}], weights [${weights.shape.join(', ')}])`);
    }
    const outShape = constantIntegers(node, 0, 'output_shape');
    if (outShape.length !== 4) throw invalid(node, `output_shape must hold 4 values, got [${outShape.join(', ')}]`);
    expectShape(node, output, outShape);
    const [batches, inH, inW, inC] = input.shape as [number, number, number, number];
    const [outC, kH, kW, wC] = weights.shape as [number, number, number, number];
    const [outN, outH, outW, outDepth] = outShape as [number, number, number, number];
    if (wC !== inC) throw invalid(node, `weights take ${wC} input channels, the input has ${inC}`);
    if (outDepth !== outC || outN !== batches) {
      throw invalid(node, `output_shape [${outShape.join(', ')}] does not match ${batches} batches and ${outC} filters`);
    }
    if (bias && bias.size !== outC) throw invalid(node, `bias has ${bias.size} values for ${outC} output channels`);
    const strideH = options.strideH;
    const strideW = options.strideW;
    if (!(strideH >= 1 && strideW >= 1)) throw invalid(node, `strides must be ≥ 1, got ${strideH}×${strideW}`);
    // The convolution that maps the output back to the input decides the padding.
    const padTop = paddingBefore(strideH, 1, outH, kH, outputSize(options.padding, outH, kH, strideH, 1));
    const padLeft = paddingBefore(strideW, 1, outW, kW, outputSize(options.padding, outW, kW, strideW, 1));

    const geometry: Geometry = { batches, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft };
    if (input.dtype === 'float32') return prepareFloat(geometry, input, weights, bias, output, options.fusedActivationFunction);
    return prepareQuantized(node, geometry, input, weights, bias, output, options.fusedActivationFunction);
  },
});

interface Geometry {
  batches: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/**
 * acc[b, oy, ox, oc] += Σ_ic x[b, iy, ix, ic] · w[oc, ky, kx, ic] for every input pixel and tap
 * that lands inside the output. `x` and `w` are already offset by their zero points.
 */
function scatter(g: Geometry, x: ArrayLike<number>, w: ArrayLike<number>, acc: Int32Array | Float32Array, exact: boolean): void {
  const { batches, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = g;
  for (let b = 0; b < batches; b++) {
    for (let iy = 0; iy < inH; iy++) {
      for (let ix = 0; ix < inW; ix++) {
        const xBase = ((b * inH + iy) * inW + ix) * inC;
        for (let ky = 0; ky < kH; ky++) {
          const oy = iy * strideH - padTop + ky;
          if (oy < 0 || oy >= outH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ox = ix * strideW - padLeft + kx;
            if (ox < 0 || ox >= outW) continue;
            const oBase = ((b * outH + oy) * outW + ox) * outC;
            for (let oc = 0; oc < outC; oc++) {
              const wBase = ((oc * kH + ky) * kW + kx) * inC;
              let sum = 0;
              if (exact) {
                // int32 accumulation: each product is below 2^16 and the channel sum far below 2^53.
                for (let ic = 0; ic < inC; ic++) sum += x[xBase + ic]! * w[wBase + ic]!;
                acc[oBase + oc] = (acc[oBase + oc]! + sum) | 0;
              } else {
                // The reference float order: one product at a time into the output.
                for (let ic = 0; ic < inC; ic++) acc[oBase + oc] = acc[oBase + oc]! + Math.fround(x[xBase + ic]! * w[wBase + ic]!);
              }
            }
          }
        }
      }
    }
  }
}

function prepareQuantized(
  node: KernelNode,
  g: Geometry,
  input: RuntimeTensor,
  weights: RuntimeTensor,
  bias: RuntimeTensor | null,
  output: RuntimeTensor,
  activation: fb.ActivationFunctionType,
): KernelRun {
  const perChannel = input.dtype === 'int8';
  const wq = weights.quantization;
  if (!input.quantization || !output.quantization || !wq) throw unsupported(node, 'quantized input, weights and output need quantization parameters');
  const { multiplier, shift } = convolutionMultipliers(node, input, weights, bias, output, g.outC, perChannel ? 'per-channel' : 'legacy');
  const inputZeroPoint = input.quantization.zeroPoint[0]!;
  const outputZeroPoint = output.quantization.zeroPoint[0]!;
  const [lo, hi] = quantizedActivationRange(activation, output.dtype, output.quantization.scale[0]!, outputZeroPoint);
  // Weights and input with their zero points taken out, as the GEMM sees them. The int8 kernel
  // treats weights as symmetric and ignores their zero points, as TFLite's does.
  const weightZeroPoint = perChannel ? 0 : wq.zeroPoint[0]!;
  const w = Int32Array.from(weights.data as Uint8Array | Int8Array, (v) => v - weightZeroPoint);
  const src = input.data as Uint8Array | Int8Array;
  const x = new Int32Array(input.size);
  const acc = new Int32Array(output.size);
  const biasData = bias ? (bias.data as Int32Array) : null;
  const dst = output.data as Uint8Array | Int8Array;
  const channels = g.outC;
  return () => {
    for (let i = 0; i < x.length; i++) x[i] = src[i]! - inputZeroPoint;
    acc.fill(0);
    scatter(g, x, w, acc, true);
    for (let i = 0, c = 0; i < acc.length; i++, c = c + 1 === channels ? 0 : c + 1) {
      const total = biasData ? (acc[i]! + biasData[c]!) | 0 : acc[i]!;
      const v = multiplyByQuantizedMultiplier(total, multiplier[c]!, shift[c]!) + outputZeroPoint;
      dst[i] = v < lo ? lo : v > hi ? hi : v;
    }
  };
}

function prepareFloat(g: Geometry, input: RuntimeTensor, weights: RuntimeTensor, bias: RuntimeTensor | null, output: RuntimeTensor, activation: fb.ActivationFunctionType): KernelRun {
  const [lo, hi] = floatActivationRange(activation);
  const x = input.data as Float32Array;
  const w = weights.data as Float32Array;
  const acc = output.data as Float32Array;
  const biasData = bias ? (bias.data as Float32Array) : null;
  const channels = g.outC;
  return () => {
    acc.fill(0);
    scatter(g, x, w, acc, false);
    for (let i = 0, c = 0; i < acc.length; i++, c = c + 1 === channels ? 0 : c + 1) {
      const v = biasData ? Math.fround(acc[i]! + biasData[c]!) : acc[i]!;
      acc[i] = v < lo ? lo : v > hi ? hi : v;
    }
  };
}
