/**
 * CONV_2D for uint8 (per-tensor) and int8 (per-channel or per-tensor) tensors, NHWC input,
 * filter [OC, KH, KW, IC], optional int32 bias [OC]. As in TFLite:
 *   acc[oc] = bias[oc] + Σ (x − zp_in)·(w − zp_w) over the taps inside the image
 * (out-of-image taps contribute nothing, the same as padding with zp_in), then
 *   out = clamp(requantize(acc) + zp_out, activation range).
 * Requantization is the TFLite 2.9 x86-64 GEMM output stage: the rounding doubling high-multiply,
 * then a right shift with ties toward +∞ (see quantization-math.ts).
 *
 * Each output pixel gathers its receptive field once into a patch (x − zp_in, zeros where the
 * window leaves the image), so every output channel is a plain dot product of two contiguous
 * rows. Two pixels and four channels are computed per pass, so that each value loaded is used
 * more than once.
 */
import { fb } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { saturatingRoundingDoublingHighMul } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { wasmConv2D } from '../wasm/conv-2d.js';
import { convQuantization, widenedFilterAndBias } from './conv-multipliers.js';
import { convOperands } from './conv-operands.js';
import { expectShape, invalid, unsupported } from './node-checks.js';
import { window2D, type Window2D } from './padding.js';

function prepareConv2D(node: KernelNode): KernelRun {
  const { input: inT, filter: filterT, bias: biasT, output: outT, options } = convOperands(node, fb.Conv2DOptionsT);

  const [batches, inH, inW, inC] = inT.shape as [number, number, number, number];
  const [outC, kH, kW, filterC] = filterT.shape as [number, number, number, number];
  if (filterC !== inC) throw unsupported(node, `the filter has ${filterC} input channels for an input with ${inC} (grouped convolution)`);
  if (biasT && biasT.size !== outC) throw invalid(node, `the bias has ${biasT.size} values for ${outC} output channels`);
  const win = window2D(options.padding, inH, inW, kH, kW, options.strideH, options.strideW, options.dilationHFactor, options.dilationWFactor);
  expectShape(node, outT, [batches, win.outHeight, win.outWidth, outC], 'the output');

  const q = convQuantization(node, inT, filterT, biasT, outT, outC, options.fusedActivationFunction);
  const { inputZeroPoint: inZp, filterZeroPoint: filterZp, multiplier, shift, activationMin: actMin, activationMax: actMax } = q;

  // The WebAssembly SIMD kernel computes the same bytes, much faster, when it is available.
  const simd = wasmConv2D({ input: inT, output: outT, batches, inHeight: inH, inWidth: inW, inChannels: inC, outChannels: outC, filterHeight: kH, filterWidth: kW, window: win, filter: filterT.data as Uint8Array | Int8Array, filterWritable: filterT.writableInPrepare === true, bias: biasT ? (biasT.data as Int32Array) : null, ...q });
  if (simd) return simd;
  const { filter, bias } = widenedFilterAndBias(filterT, filterZp, biasT, outC);
  const patchLength = kH * kW * inC;
  const plan: ConvPlan = {
    x: inT.data as Uint8Array | Int8Array,
    y: outT.data as Uint8Array | Int8Array,
    filter,
    bias,
    multiplier,
    shift,
    patch: new Int32Array(2 * patchLength),
    acc: new Int32Array(2 * outC),
    batches, inH, inW, inC, outC, kH, kW,
    ...win,
    patchLength,
    inZp,
    outZp: q.outputZeroPoint,
    actMin,
    actMax,
  };
  return () => convolve(plan);
}

/** Everything a prepared CONV_2D reads at run time. */
interface ConvPlan extends Window2D {
  readonly x: Uint8Array | Int8Array;
  readonly y: Uint8Array | Int8Array;
  /** Filter values minus the filter zero point, [OC][KH·KW·IC]. */
  readonly filter: Int16Array;
  readonly bias: Int32Array;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  /** Receptive fields of two output pixels, back to back. */
  readonly patch: Int32Array;
  /** Accumulators of two output pixels, back to back. */
  readonly acc: Int32Array;
  readonly batches: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly patchLength: number;
  readonly inZp: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
}

// The run-time functions below are top-level and copy what they use into locals: V8 then
// keeps it in registers, where closure variables of many kernel instances would be reloaded.

function convolve(plan: ConvPlan): void {
  const pixels = plan.batches * plan.outHeight * plan.outWidth;
  let p = 0;
  // Two output pixels per pass: each filter value loaded is used twice.
  for (; p + 1 < pixels; p += 2) {
    gatherPatch(plan, p, 0);
    gatherPatch(plan, p + 1, plan.patchLength);
    accumulatePair(plan);
    writeOutputs(plan, p, 0);
    writeOutputs(plan, p + 1, plan.outC);
  }
  if (p < pixels) {
    gatherPatch(plan, p, 0);
    accumulateOne(plan);
    writeOutputs(plan, p, 0);
  }
}

/** Copies the receptive field of output pixel `pixel` into patch[at..], minus zp_in, zeros outside the image. */
function gatherPatch(plan: ConvPlan, pixel: number, at: number): void {
  const { x, patch, inH, inW, inC, kH, kW, outHeight, outWidth, strideH, strideW, dilationH, dilationW, padTop, padLeft, inZp } = plan;
  const ox = pixel % outWidth;
  const rest = (pixel - ox) / outWidth;
  const oy = rest % outHeight;
  const b = (rest - oy) / outHeight;
  const inBatch = b * inH * inW * inC;
  const iy0 = oy * strideH - padTop;
  const ix0 = ox * strideW - padLeft;
  let p = at;
  for (let ky = 0; ky < kH; ky++) {
    const iy = iy0 + ky * dilationH;
    const rowInside = iy >= 0 && iy < inH;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ix0 + kx * dilationW;
      if (rowInside && ix >= 0 && ix < inW) {
        const src = inBatch + (iy * inW + ix) * inC;
        for (let c = 0; c < inC; c++) patch[p + c] = x[src + c]! - inZp;
      } else {
        for (let c = 0; c < inC; c++) patch[p + c] = 0;
      }
      p += inC;
    }
  }
}

/** acc[0..OC) and acc[OC..2·OC): bias plus the dot products of both patches with every filter row, 4 rows at a time. */
function accumulatePair(plan: ConvPlan): void {
  const { patch, filter, bias, acc, outC, patchLength: n } = plan;
  const oc4 = outC - (outC % 4);
  let oc = 0;
  for (; oc < oc4; oc += 4) {
    const f0 = oc * n;
    const f1 = f0 + n;
    const f2 = f1 + n;
    const f3 = f2 + n;
    let a0 = bias[oc]!;
    let a1 = bias[oc + 1]!;
    let a2 = bias[oc + 2]!;
    let a3 = bias[oc + 3]!;
    let b0 = a0;
    let b1 = a1;
    let b2 = a2;
    let b3 = a3;
    for (let k = 0; k < n; k++) {
      const u = patch[k]!;
      const v = patch[n + k]!;
      const w0 = filter[f0 + k]!;
      const w1 = filter[f1 + k]!;
      const w2 = filter[f2 + k]!;
      const w3 = filter[f3 + k]!;
      a0 += u * w0;
      a1 += u * w1;
      a2 += u * w2;
      a3 += u * w3;
      b0 += v * w0;
      b1 += v * w1;
      b2 += v * w2;
      b3 += v * w3;
    }
    acc[oc] = a0;
    acc[oc + 1] = a1;
    acc[oc + 2] = a2;
    acc[oc + 3] = a3;
    acc[outC + oc] = b0;
    acc[outC + oc + 1] = b1;
    acc[outC + oc + 2] = b2;
    acc[outC + oc + 3] = b3;
  }
  for (; oc < outC; oc++) {
    const f = oc * n;
    let a = bias[oc]!;
    let b = a;
    for (let k = 0; k < n; k++) {
      const w = filter[f + k]!;
      a += patch[k]! * w;
      b += patch[n + k]! * w;
    }
    acc[oc] = a;
    acc[outC + oc] = b;
  }
}

/** acc[0..OC): bias plus the dot products of the first patch with every filter row. */
function accumulateOne(plan: ConvPlan): void {
  const { patch, filter, bias, acc, outC, patchLength: n } = plan;
  for (let oc = 0; oc < outC; oc++) {
    const f = oc * n;
    let a = bias[oc]!;
    for (let k = 0; k < n; k++) a += patch[k]! * filter[f + k]!;
    acc[oc] = a;
  }
}

/** Requantizes acc[at..at+OC) into output pixel `pixel`: ties toward +∞ in the final shift, then the clamp. */
function writeOutputs(plan: ConvPlan, pixel: number, at: number): void {
  const { y, acc, multiplier, shift, outC, outZp, actMin, actMax } = plan;
  const o = pixel * outC;
  for (let c = 0; c < outC; c++) {
    const s = shift[c]!;
    const rightShift = s > 0 ? 0 : -s;
    const high = saturatingRoundingDoublingHighMul(acc[at + c]! << (s > 0 ? s : 0), multiplier[c]!);
    const v = (rightShift === 0 ? high : (high >> rightShift) + ((high >> (rightShift - 1)) & 1)) + outZp;
    y[o + c] = v < actMin ? actMin : v > actMax ? actMax : v;
  }
}

// The filter and the bias are packed or copied in prepare.
registerKernel({ op: 'CONV_2D', dtypes: ['uint8', 'int8'], preparedInputs: [1, 2], prepare: prepareConv2D });
