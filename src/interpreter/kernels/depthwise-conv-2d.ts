/**
 * DEPTHWISE_CONV_2D for uint8 (per-tensor) and int8 (per-channel or per-tensor) tensors, NHWC
 * input, filter [1, KH, KW, OC] with OC = IC · depth_multiplier (output channel oc reads input
 * channel floor(oc / depth_multiplier)), optional int32 bias [OC]. Accumulation and clamping as
 * CONV_2D; requantization is TFLite's reference MultiplyByQuantizedMultiplier (ties away from
 * zero), which is what the 2.9 runtime's depthwise kernels compute.
 *
 * Per output pixel the in-image taps are listed once; each channel then sums its products over
 * them in a register.
 */
import { fb } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import { wasmDepthwiseConv2D } from '../wasm/depthwise-conv-2d.js';
import { convQuantization, widenedFilterAndBias } from './conv-multipliers.js';
import { convOperands } from './conv-operands.js';
import { expectShape, invalid } from './node-checks.js';
import { window2D, type Window2D } from './padding.js';

function prepareDepthwiseConv2D(node: KernelNode): KernelRun {
  const { input: inT, filter: filterT, bias: biasT, output: outT, options } = convOperands(node, fb.DepthwiseConv2DOptionsT);

  const [batches, inH, inW, inC] = inT.shape as [number, number, number, number];
  const [one, kH, kW, outC] = filterT.shape as [number, number, number, number];
  if (one !== 1) throw invalid(node, `the filter has shape [${filterT.shape.join(', ')}]; depthwise filters are [1, KH, KW, OC]`);
  if (outC % inC !== 0) throw invalid(node, `${outC} output channels are not a multiple of ${inC} input channels`);
  const depthMultiplier = outC / inC;
  if (biasT && biasT.size !== outC) throw invalid(node, `the bias has ${biasT.size} values for ${outC} output channels`);
  const win = window2D(options.padding, inH, inW, kH, kW, options.strideH, options.strideW, options.dilationHFactor, options.dilationWFactor);
  expectShape(node, outT, [batches, win.outHeight, win.outWidth, outC], 'the output');

  const q = convQuantization(node, inT, filterT, biasT, outT, outC, options.fusedActivationFunction);
  const { inputZeroPoint: inZp, filterZeroPoint: filterZp, multiplier, shift, activationMin: actMin, activationMax: actMax } = q;

  // The WebAssembly SIMD kernel computes the same bytes, much faster, when it is available.
  const simd = wasmDepthwiseConv2D({ input: inT, output: outT, batches, inHeight: inH, inWidth: inW, inChannels: inC, outChannels: outC, filterHeight: kH, filterWidth: kW, window: win, filter: filterT.data as Uint8Array | Int8Array, bias: biasT ? (biasT.data as Int32Array) : null, ...q });
  if (simd) return simd;
  const { filter, bias } = widenedFilterAndBias(filterT, filterZp, biasT, outC);
  const plan: DepthwisePlan = {
    x: inT.data as Uint8Array | Int8Array,
    y: outT.data as Uint8Array | Int8Array,
    filter,
    bias,
    multiplier,
    shift,
    tapInput: new Int32Array(kH * kW),
    tapFilter: new Int32Array(kH * kW),
    batches, inH, inW, inC, outC, kH, kW, depthMultiplier,
    ...win,
    inZp,
    outZp: q.outputZeroPoint,
    actMin,
    actMax,
  };
  return () => depthwiseConvolve(plan);
}

/** Everything a prepared DEPTHWISE_CONV_2D reads at run time. */
interface DepthwisePlan extends Window2D {
  readonly x: Uint8Array | Int8Array;
  readonly y: Uint8Array | Int8Array;
  /** Filter values minus the filter zero point, [KH·KW][OC]. */
  readonly filter: Int16Array;
  readonly bias: Int32Array;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  /** Where the in-image taps of the current output pixel start, in the input and in the filter. */
  readonly tapInput: Int32Array;
  readonly tapFilter: Int32Array;
  readonly batches: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly depthMultiplier: number;
  readonly inZp: number;
  readonly outZp: number;
  readonly actMin: number;
  readonly actMax: number;
}

// Top-level run-time functions that copy what they use into locals (see conv-2d.ts).

function depthwiseConvolve(plan: DepthwisePlan): void {
  const { batches, outHeight, outWidth } = plan;
  let pixel = 0;
  for (let b = 0; b < batches; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++, pixel++) {
        const taps = findTaps(plan, b, oy, ox);
        if (plan.depthMultiplier === 1) convolvePixel(plan, taps, pixel);
        else convolvePixelMultiplied(plan, taps, pixel);
      }
    }
  }
}

/**
 * Lists the in-image taps of output pixel (b, oy, ox): tapInput[t] is where the tap's input
 * pixel starts, tapFilter[t] where its filter row starts. Returns how many there are.
 */
function findTaps(plan: DepthwisePlan, b: number, oy: number, ox: number): number {
  const { tapInput, tapFilter, inH, inW, inC, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = plan;
  const inBatch = b * inH * inW * inC;
  const iy0 = oy * strideH - padTop;
  const ix0 = ox * strideW - padLeft;
  let n = 0;
  for (let ky = 0; ky < kH; ky++) {
    const iy = iy0 + ky * dilationH;
    if (iy < 0 || iy >= inH) continue;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ix0 + kx * dilationW;
      if (ix < 0 || ix >= inW) continue;
      tapInput[n] = inBatch + (iy * inW + ix) * inC;
      tapFilter[n] = (ky * kW + kx) * outC;
      n++;
    }
  }
  return n;
}

/** Depth multiplier 1: each channel's sum over the taps is kept in a register, then requantized. */
function convolvePixel(plan: DepthwisePlan, taps: number, pixel: number): void {
  const { x, y, filter, bias, multiplier, shift, tapInput, tapFilter, outC, inZp, outZp, actMin, actMax } = plan;
  const o = pixel * outC;
  for (let c = 0; c < outC; c++) {
    let acc = bias[c]!;
    for (let t = 0; t < taps; t++) acc += (x[tapInput[t]! + c]! - inZp) * filter[tapFilter[t]! + c]!;
    const s = shift[c]!;
    const high = saturatingRoundingDoublingHighMul(acc << (s > 0 ? s : 0), multiplier[c]!);
    const v = roundingDivideByPOT(high, s > 0 ? 0 : -s) + outZp;
    y[o + c] = v < actMin ? actMin : v > actMax ? actMax : v;
  }
}

/** Any depth multiplier: output channel oc reads input channel floor(oc / multiplier). */
function convolvePixelMultiplied(plan: DepthwisePlan, taps: number, pixel: number): void {
  const { x, y, filter, bias, multiplier, shift, tapInput, tapFilter, outC, depthMultiplier, inZp, outZp, actMin, actMax } = plan;
  const o = pixel * outC;
  for (let c = 0; c < outC; c++) {
    const ic = (c / depthMultiplier) | 0;
    let acc = bias[c]!;
    for (let t = 0; t < taps; t++) acc += (x[tapInput[t]! + ic]! - inZp) * filter[tapFilter[t]! + c]!;
    const s = shift[c]!;
    const high = saturatingRoundingDoublingHighMul(acc << (s > 0 ? s : 0), multiplier[c]!);
    const v = roundingDivideByPOT(high, s > 0 ? 0 : -s) + outZp;
    y[o + c] = v < actMin ? actMin : v > actMax ? actMax : v;
  }
}

// The filter and the bias are packed or copied in prepare.
registerKernel({ op: 'DEPTHWISE_CONV_2D', dtypes: ['uint8', 'int8'], preparedInputs: [1, 2], prepare: prepareDepthwiseConv2D });
