/**
 * FULLY_CONNECTED for uint8 and int8 (per-tensor weights), weights [OUT, IN] in the DEFAULT
 * format, optional int32 bias [OUT]. The input is read as rows of IN values; the output is
 * [rows, OUT], or the input's shape with its last dimension replaced by OUT when keep_num_dims
 * is set. Arithmetic as a 1×1 CONV_2D: acc = bias + Σ (x − zp_in)(w − zp_w), requantized by
 * the GEMM output stage of the 2.9 runtime (ties toward +∞ in the final shift), then clamped.
 */
import { fb } from '../../tflite/index.js';
import { isClampActivation, quantizedActivationRange } from '../activation-range.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { saturatingRoundingDoublingHighMul } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { wasmFullyConnected } from '../wasm/fully-connected.js';
import { convolutionMultipliers } from './conv-multipliers.js';
import { expectCounts, expectRank, expectShape, expectType, invalid, optionalInput, optionsOf, perTensorQuantization, requiredInput, requiredOutput, unsupported } from './node-checks.js';

function prepareFullyConnected(node: KernelNode): KernelRun {
  expectCounts(node, [2, 3], 1);
  const inT = requiredInput(node, 0);
  const weightsT = requiredInput(node, 1);
  const biasT = optionalInput(node, 2);
  const outT = requiredOutput(node, 0);
  const options = optionsOf(node, fb.FullyConnectedOptionsT);
  expectType(node, inT, ['uint8', 'int8'], 'the input');
  expectType(node, weightsT, [inT.dtype], 'the weights');
  expectType(node, outT, [inT.dtype], 'the output');
  if (biasT) expectType(node, biasT, ['int32'], 'the bias');
  expectRank(node, weightsT, 2, 'the weights');
  if (!weightsT.isConstant) throw unsupported(node, 'the weights are not a constant tensor');
  if (biasT && !biasT.isConstant) throw unsupported(node, 'the bias is not a constant tensor');
  if (options.weightsFormat !== fb.FullyConnectedOptionsWeightsFormat.DEFAULT) throw unsupported(node, `weights format ${fb.FullyConnectedOptionsWeightsFormat[options.weightsFormat]}`);
  if (!isClampActivation(options.fusedActivationFunction)) throw unsupported(node, `fused activation ${fb.ActivationFunctionType[options.fusedActivationFunction]}`);

  const [units, depth] = weightsT.shape as [number, number];
  if (depth === 0 || inT.size % depth !== 0) throw invalid(node, `the input has ${inT.size} values, not a whole number of rows of ${depth}`);
  if (biasT && biasT.size !== units) throw invalid(node, `the bias has ${biasT.size} values for ${units} units`);
  const rows = inT.size / depth;
  const expected = options.keepNumDims ? [...inT.shape.slice(0, -1), units] : [rows, units];
  if (options.keepNumDims && inT.shape[inT.shape.length - 1] !== depth) throw invalid(node, `keep_num_dims needs the input's last dimension to be ${depth}`);
  expectShape(node, outT, expected, 'the output');

  const inZp = perTensorQuantization(node, inT, 'the input').zeroPoint;
  const weightsZp = perTensorQuantization(node, weightsT, 'the weights').zeroPoint;
  const out = perTensorQuantization(node, outT, 'the output');
  const { multiplier, shift } = convolutionMultipliers(node, inT, weightsT, biasT, outT, units, 'legacy');
  const m = multiplier[0]!;
  const leftShift = shift[0]! > 0 ? shift[0]! : 0;
  const rightShift = shift[0]! > 0 ? 0 : -shift[0]!;
  const [actMin, actMax] = quantizedActivationRange(options.fusedActivationFunction, outT.dtype, out.scale, out.zeroPoint);

  // The WebAssembly SIMD kernel computes the same bytes, much faster, when it is available.
  const simd = wasmFullyConnected({ input: inT, output: outT, rows, units, depth, weights: weightsT.data as Uint8Array | Int8Array, weightsWritable: weightsT.writableInPrepare === true, weightsZeroPoint: weightsZp, bias: biasT ? (biasT.data as Int32Array) : null, inputZeroPoint: inZp, outputZeroPoint: out.zeroPoint, multiplier, shift, activationMin: actMin, activationMax: actMax });
  if (simd) return simd;
  const weights = new Int16Array(weightsT.size);
  const rawWeights = weightsT.data as Uint8Array | Int8Array;
  for (let i = 0; i < weights.length; i++) weights[i] = rawWeights[i]! - weightsZp;
  const bias = new Int32Array(units);
  if (biasT) bias.set(biasT.data as Int32Array);
  const plan: FullyConnectedPlan = {
    x: inT.data as Uint8Array | Int8Array,
    y: outT.data as Uint8Array | Int8Array,
    weights,
    bias,
    row: new Int32Array(depth),
    rows,
    units,
    depth,
    inZp,
    outZp: out.zeroPoint,
    multiplier: m,
    leftShift,
    rightShift,
    actMin,
    actMax,
  };
  return () => fullyConnected(plan);
}

/** Everything a prepared FULLY_CONNECTED reads at run time. */
interface FullyConnectedPlan {
  readonly x: Uint8Array | Int8Array;
  readonly y: Uint8Array | Int8Array;
  /** Weights minus their zero point, [units][depth]. */
  readonly weights: Int16Array;
  readonly bias: Int32Array;
  /** The current input row minus the input zero point. */
  readonly row: Int32Array;
  readonly rows: number;
  readonly units: number;
  readonly depth: number;
  readonly inZp: number;
  readonly outZp: number;
  readonly multiplier: number;
  readonly leftShift: number;
  readonly rightShift: number;
  readonly actMin: number;
  readonly actMax: number;
}

// Top-level run-time functions that copy what they use into locals (see conv-2d.ts).

function fullyConnected(plan: FullyConnectedPlan): void {
  const { x, y, weights, bias, row, rows, units, depth, inZp } = plan;
  const units4 = units - (units % 4);
  for (let r = 0; r < rows; r++) {
    const src = r * depth;
    for (let k = 0; k < depth; k++) row[k] = x[src + k]! - inZp;
    const dst = r * units;
    let u = 0;
    // Four units per pass, reusing each input value.
    for (; u < units4; u += 4) {
      const w0 = u * depth;
      const w1 = w0 + depth;
      const w2 = w1 + depth;
      const w3 = w2 + depth;
      let a0 = bias[u]!;
      let a1 = bias[u + 1]!;
      let a2 = bias[u + 2]!;
      let a3 = bias[u + 3]!;
      for (let k = 0; k < depth; k++) {
        const v = row[k]!;
        a0 += v * weights[w0 + k]!;
        a1 += v * weights[w1 + k]!;
        a2 += v * weights[w2 + k]!;
        a3 += v * weights[w3 + k]!;
      }
      y[dst + u] = requantize(plan, a0);
      y[dst + u + 1] = requantize(plan, a1);
      y[dst + u + 2] = requantize(plan, a2);
      y[dst + u + 3] = requantize(plan, a3);
    }
    for (; u < units; u++) {
      const w = u * depth;
      let a = bias[u]!;
      for (let k = 0; k < depth; k++) a += row[k]! * weights[w + k]!;
      y[dst + u] = requantize(plan, a);
    }
  }
}

/** The GEMM output stage of the 2.9 runtime: high-multiply, ties toward +∞ in the shift, then the clamp. */
function requantize(plan: FullyConnectedPlan, acc: number): number {
  const { multiplier, leftShift, rightShift, outZp, actMin, actMax } = plan;
  const high = saturatingRoundingDoublingHighMul(acc << leftShift, multiplier);
  const v = (rightShift === 0 ? high : (high >> rightShift) + ((high >> (rightShift - 1)) & 1)) + outZp;
  return v < actMin ? actMin : v > actMax ? actMax : v;
}

// The filter and the bias are packed or copied in prepare.
registerKernel({ op: 'FULLY_CONNECTED', dtypes: ['uint8', 'int8'], preparedInputs: [1, 2], prepare: prepareFullyConnected });
