import type { KernelRun } from '../kernel.js';
import type { ConvLayerSpec } from './conv-layer-spec.js';
import { FLAG_LEFT_SHIFT, FLAG_PER_TENSOR, FLAG_ROUND_AWAY, FLAG_SIGNED_OUTPUT, wasmKernels } from './module.js';
import { owningBlocks } from './owned-blocks.js';
import { requantArguments, requantTable } from './requant-table.js';
import { WasmInput, WasmOutput } from './operands.js';
import { BAND_BYTES } from './bands.js';
import { depthwiseTapOffsets, packDepthwiseWeights, roundUp8 } from './weight-packing.js';

/**
 * The WebAssembly SIMD DEPTHWISE_CONV_2D (eight channels per vector over a zero-padded int16
 * copy of the input; gemmlowp rounding, ties away from zero, like the 2.9 runtime), or null
 * when the kernels are off or do not cover this layer.
 */
export function wasmDepthwiseConv2D(spec: ConvLayerSpec): KernelRun | null {
  const kernels = wasmKernels();
  if (!kernels || spec.activationMin > spec.activationMax) return null;
  const c = spec.outChannels;
  const cp = roundUp8(c);
  const table = requantTable(spec.bias ?? new Int32Array(c), spec.multiplier, spec.shift, c, cp);
  const { exports: k, heap, scratch } = kernels;
  const { batches, inHeight: inH, inWidth: inW, inChannels: inC, filterHeight: kH, filterWidth: kW, window: win } = spec;
  const { outHeight: outH, outWidth: outW } = win;
  const signed = spec.input.dtype === 'int8' ? 1 : 0;
  const scalar = requantArguments(table, { perTensor: FLAG_PER_TENSOR, leftShift: FLAG_LEFT_SHIFT });
  const flags = scalar.flags | FLAG_ROUND_AWAY | (spec.output.dtype === 'int8' ? FLAG_SIGNED_OUTPUT : 0);
  const depthwiseVariant = k[`depthwise${flags}`];
  const wp = Math.max((outW - 1) * win.strideW + (kW - 1) * win.dilationW + 1, win.padLeft + inW);
  const taps = kH * kW;
  const weights = packDepthwiseWeights(heap, spec.filter, spec.filterZeroPoint, taps, c);
  const tableBlock = heap.allocCopy(table.data);
  const tapBlock = heap.allocCopy(depthwiseTapOffsets(kH, kW, win.dilationH, win.dilationW, wp * cp * 2, cp * 2));
  const pairs = Math.ceil(taps / 2);
  const rowBytes = wp * cp * 2;
  // A band of output rows at a time: the padded int16 copy of the input rows it needs stays small.
  const bandH = Math.min(outH, Math.max(1, Math.floor(BAND_BYTES / (rowBytes * win.strideH))));
  const inRows = (bh: number): number => (bh - 1) * win.strideH + (kH - 1) * win.dilationH + 1;
  scratch.reserve('wide', inRows(bandH) * rowBytes);
  const input = new WasmInput(kernels, spec.input);
  const output = new WasmOutput(kernels, spec.output);
  const imageBytes = inH * inW * inC;
  const depthMultiplier = c / inC;
  // The run function captures scalars only, not spec: its filter is a view of the model's bytes,
  // which the interpreter lets go of once every kernel is prepared.
  const { inputZeroPoint: inZp, outputZeroPoint: outZp, activationMin: lo, activationMax: hi } = spec;
  const { padTop, padLeft, strideH, strideW } = win;
  const tableStride = table.stride;

  const run = (): void => {
    const src = input.fetch();
    const wide = scratch.ptr('wide');
    const out = output.target();
    for (let b = 0; b < batches; b++) {
      for (let oy = 0; oy < outH; oy += bandH) {
        const bh = Math.min(bandH, outH - oy);
        k.padWiden(src + b * imageBytes, inH, inW, inC, depthMultiplier, inZp, signed, wide, padTop, padLeft, oy * strideH, inRows(bh), wp, cp);
        depthwiseVariant(wide, rowBytes, weights.ptr, tapBlock.ptr, pairs, tableBlock.ptr, tableStride, scalar.multiplier, scalar.rightShift,
          out + (b * outH + oy) * outW * c, bh, outW, c, cp, strideH, strideW, outZp, lo, hi);
      }
    }
    output.store();
  };
  return owningBlocks(run, heap, [weights, tableBlock, tapBlock]);
}
