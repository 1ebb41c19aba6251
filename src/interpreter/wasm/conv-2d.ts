import type { KernelRun } from '../kernel.js';
import type { ConvLayerSpec } from './conv-layer-spec.js';
import { FLAG_LEFT_SHIFT, FLAG_PER_TENSOR, FLAG_SIGNED_OUTPUT, wasmKernels } from './module.js';
import { owningBlocks } from './owned-blocks.js';
import { requantArguments, requantTable } from './requant-table.js';
import { WasmInput, WasmOutput } from './operands.js';
import { BAND_BYTES, bandRows } from './bands.js';
import { packGemmWeights, roundUp8 } from './weight-packing.js';
import { packedGemm } from './packed-gemm.js';

/**
 * The WebAssembly SIMD CONV_2D (GEMM with int16 operands and exact int32 accumulators, output
 * stage rounding ties toward +∞ like the 2.9 runtime), or null when the kernels are off or do
 * not cover this layer. 1×1 stride-1 convolutions multiply the widened input directly; others
 * go through im2col over a zero-padded copy. Either way the int16 working copies cover a band
 * of rows at a time, so they stay small (and in cache) whatever the image size.
 */
export function wasmConv2D(spec: ConvLayerSpec): KernelRun | null {
  const kernels = wasmKernels();
  if (!kernels || spec.activationMin > spec.activationMax) return null;
  const n = spec.outChannels;
  const table = requantTable(spec.bias ?? new Int32Array(n), spec.multiplier, spec.shift, n, roundUp8(n));
  const { exports: k, heap, scratch } = kernels;
  const { batches, inHeight: inH, inWidth: inW, inChannels: inC, filterHeight: kH, filterWidth: kW, window: win } = spec;
  const { outHeight: outH, outWidth: outW } = win;
  const depth = kH * kW * inC;
  const kp = depth + (depth & 1);
  const rows = batches * outH * outW;
  const signed = spec.input.dtype === 'int8' ? 1 : 0;
  const scalar = requantArguments(table, { perTensor: FLAG_PER_TENSOR, leftShift: FLAG_LEFT_SHIFT });
  const flags = scalar.flags | (spec.output.dtype === 'int8' ? FLAG_SIGNED_OUTPUT : 0);

  const weights = packGemmWeights(heap, spec.filter, spec.filterZeroPoint, n, depth, spec.filterWritable);
  const tableBlock = heap.allocCopy(table.data);
  const input = new WasmInput(kernels, spec.input);
  const output = new WasmOutput(kernels, spec.output);
  // The run functions capture scalars only, not spec: its filter is a view of the model's bytes,
  // which the interpreter lets go of once every kernel is prepared.
  const { inputZeroPoint: inZp } = spec;
  const gemm = packedGemm({ variant: k[`gemm${flags}`], weights, tablePtr: tableBlock.ptr, table, multiplier: scalar.multiplier, rightShift: scalar.rightShift,
    kp, n, outputZeroPoint: spec.outputZeroPoint, activationMin: spec.activationMin, activationMax: spec.activationMax });

  let run: () => void;
  if (kH === 1 && kW === 1 && win.strideH === 1 && win.strideW === 1 && win.padTop === 0 && win.padLeft === 0) {
    // Pointwise: the GEMM reads the widened input rows, a band of rows at a time.
    const band = bandRows(rows, kp);
    scratch.reserve('cols', (band + 3) * kp * 2);
    run = () => {
      const src = input.fetch();
      const out = output.target();
      const cols = scratch.ptr('cols');
      for (let r = 0; r < rows; r += band) {
        const count = Math.min(band, rows - r);
        k.widenRows(src + r * inC, count, inC, inZp, signed, cols, kp);
        gemm(cols, count, out + r * n);
      }
      output.store();
    };
  } else {
    // im2col over a zero-padded int16 copy of the input rows a band of output rows needs.
    const wp = Math.max((outW - 1) * win.strideW + (kW - 1) * win.dilationW + 1, win.padLeft + inW);
    const bandH = Math.min(outH, Math.max(Math.ceil(64 / outW), Math.floor(BAND_BYTES / (outW * kp * 2)), 1));
    const inRows = (bh: number): number => (bh - 1) * win.strideH + (kH - 1) * win.dilationH + 1;
    scratch.reserve('wide', inRows(bandH) * wp * inC * 2);
    scratch.reserve('cols', (bandH * outW + 3) * kp * 2);
    const imageBytes = inH * inW * inC;
    run = () => {
      const src = input.fetch();
      const out = output.target();
      const wide = scratch.ptr('wide');
      const cols = scratch.ptr('cols');
      for (let b = 0; b < batches; b++) {
        for (let oy = 0; oy < outH; oy += bandH) {
          const bh = Math.min(bandH, outH - oy);
          k.padWiden(src + b * imageBytes, inH, inW, inC, 1, inZp, signed, wide, win.padTop, win.padLeft, oy * win.strideH, inRows(bh), wp, inC);
          k.im2col(wide, wp * inC * 2, inC, kH, kW, win.strideH, win.strideW, win.dilationH, win.dilationW, bh, outW, cols, kp * 2);
          gemm(cols, bh * outW, out + ((b * outH + oy) * outW) * n);
        }
      }
      output.store();
    };
  }
  return owningBlocks(run, heap, [...weights.blocks, tableBlock]);
}
