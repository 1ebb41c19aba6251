/**
 * ADD with NumPy broadcasting, for uint8, int8, int32 and float32, with a fused activation.
 *
 * uint8/int8 follow TFLite's 8-bit scheme: both inputs are brought to a common scale with 20
 * bits of headroom, a = M1((q1 − zp1)·2^20), b = M2((q2 − zp2)·2^20), where M1 = s1 / (2·max(s1, s2))
 * and M2 likewise, then out = clamp(M_out(a + b) + zp_out) with M_out = 2·max(s1, s2) / (2^20·s_out).
 * Every multiplication is the reference double-rounding form (ties away from zero).
 */
import { fb } from '../../tflite/index.js';
import { int32ActivationRange, isClampActivation, quantizedActivationRange } from '../activation-range.js';
import { planBroadcast, broadcastShape, type BroadcastPlan } from '../broadcast.js';
import { byteValues, flushDenormal, float32ActivationClamp } from '../elementwise-support.js';
import { bytePairRun } from '../byte-pair-table.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { quantizeMultiplierSmallerThanOne, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import type { RuntimeTensor } from '../tensor.js';
import { wasmAddQuantized } from '../wasm/add.js';
import { expectCounts, expectShape, expectType, invalid, optionsOf, perTensorQuantization, requiredInput, requiredOutput, shapeText, unsupported } from './node-checks.js';

const LEFT_SHIFT = 20;

function prepareAdd(node: KernelNode): KernelRun {
  expectCounts(node, [2, 2], 1);
  const aT = requiredInput(node, 0);
  const bT = requiredInput(node, 1);
  const outT = requiredOutput(node, 0);
  const activation = optionsOf(node, fb.AddOptionsT).fusedActivationFunction;
  expectType(node, aT, ['uint8', 'int8', 'int32', 'float32'], 'input 0');
  expectType(node, bT, [aT.dtype], 'input 1');
  expectType(node, outT, [aT.dtype], 'the output');
  if (!isClampActivation(activation)) throw unsupported(node, `fused activation ${fb.ActivationFunctionType[activation]}`);
  const shape = broadcastShape(aT.shape, bT.shape);
  if (!shape) throw invalid(node, `input shapes ${shapeText(aT.shape)} and ${shapeText(bT.shape)} do not broadcast`);
  expectShape(node, outT, shape, 'the output');
  const layout = planBroadcast(aT.shape, bT.shape);

  switch (aT.dtype) {
    case 'float32': {
      const [lo, hi] = float32ActivationClamp(activation);
      return addFloat(aT.data as Float32Array, bT.data as Float32Array, outT.data as Float32Array, layout, lo, hi);
    }
    case 'int32': {
      const [lo, hi] = int32ActivationRange(activation);
      return addInt32(aT.data as Int32Array, bT.data as Int32Array, outT.data as Int32Array, layout, lo, hi);
    }
    default:
      return addQuantized(node, aT, bT, outT, layout, activation);
  }
}

function addQuantized(node: KernelNode, aT: RuntimeTensor, bT: RuntimeTensor, outT: RuntimeTensor, layout: BroadcastPlan, activation: fb.ActivationFunctionType): KernelRun {
  const qa = perTensorQuantization(node, aT, 'input 0');
  const qb = perTensorQuantization(node, bT, 'input 1');
  const qo = perTensorQuantization(node, outT, 'the output');
  const twiceMaxScale = 2 * Math.max(qa.scale, qb.scale);
  if (twiceMaxScale / ((1 << LEFT_SHIFT) * qo.scale) >= 1) throw unsupported(node, `the output scale ${qo.scale} is too small for the input scales (${qa.scale}, ${qb.scale})`);
  const ma = quantizeMultiplierSmallerThanOne(qa.scale / twiceMaxScale);
  const mb = quantizeMultiplierSmallerThanOne(qb.scale / twiceMaxScale);
  // (1 << 20) · s_out is a float32 product in TFLite (exact: a power of two).
  const mo = quantizeMultiplierSmallerThanOne(twiceMaxScale / ((1 << LEFT_SHIFT) * qo.scale));
  const [actMin, actMax] = quantizedActivationRange(activation, outT.dtype, qo.scale, qo.zeroPoint);
  const zpA = qa.zeroPoint;
  const zpB = qb.zeroPoint;
  const zpOut = qo.zeroPoint;
  const mOut = mo.multiplier;
  const sOut = -mo.shift;
  // Each input byte's rescaled value, by raw byte: the run only adds and requantizes.
  const values = byteValues(aT.dtype as 'uint8' | 'int8');
  const scaledA = new Int32Array(256);
  const scaledB = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    scaledA[i] = roundingDivideByPOT(saturatingRoundingDoublingHighMul((values[i]! - zpA) << LEFT_SHIFT, ma.multiplier), -ma.shift);
    scaledB[i] = roundingDivideByPOT(saturatingRoundingDoublingHighMul((values[i]! - zpB) << LEFT_SHIFT, mb.multiplier), -mb.shift);
  }
  // The WebAssembly kernel computes the same bytes, per element, when it is available.
  const simd = wasmAddQuantized({ a: aT, b: bT, output: outT, layout, scaledA, scaledB, outputMultiplier: mOut, outputShift: sOut, outputZeroPoint: zpOut, activationMin: actMin, activationMax: actMax });
  if (simd) return simd;
  return bytePairRun(layout, aT, bT, outT, (aByte, bByte) => {
    const v = roundingDivideByPOT(saturatingRoundingDoublingHighMul(scaledA[aByte]! + scaledB[bByte]!, mOut), sOut) + zpOut;
    return (v < actMin ? actMin : v > actMax ? actMax : v) & 255;
  });
}

function addInt32(a: Int32Array, b: Int32Array, y: Int32Array, layout: BroadcastPlan, lo: number, hi: number): KernelRun {
  const { rows, inner, aOffsets, bOffsets, aStep, bStep } = layout;
  return function addInt32(): void {
    let o = 0;
    for (let r = 0; r < rows; r++) {
      let ia = aOffsets[r]!;
      let ib = bOffsets[r]!;
      for (let i = 0; i < inner; i++, ia += aStep, ib += bStep) {
        const v = (a[ia]! + b[ib]!) | 0; // int32 wrap-around, as C
        y[o++] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  };
}

function addFloat(a: Float32Array, b: Float32Array, y: Float32Array, layout: BroadcastPlan, lo: number, hi: number): KernelRun {
  const { rows, inner, aOffsets, bOffsets, aStep, bStep } = layout;
  return function addFloat32(): void {
    let o = 0;
    for (let r = 0; r < rows; r++) {
      let ia = aOffsets[r]!;
      let ib = bOffsets[r]!;
      for (let i = 0; i < inner; i++, ia += aStep, ib += bStep) {
        // The 2.9 runtime flushes denormal operands and results to zero, and clamps even NONE to ±FLT_MAX.
        const v = flushDenormal(Math.fround(flushDenormal(a[ia]!) + flushDenormal(b[ib]!)));
        y[o++] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  };
}

registerKernel({ op: 'ADD', dtypes: ['uint8', 'int8', 'int32', 'float32'], prepare: prepareAdd });
