import type { KernelRun } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';
import { FLAG_LEFT_SHIFT, FLAG_PER_TENSOR, FLAG_SIGNED_OUTPUT, wasmKernels } from './module.js';
import { owningBlocks } from './owned-blocks.js';
import { requantArguments, requantTable } from './requant-table.js';
import { WasmInput, WasmOutput } from './operands.js';
import { bandRows } from './bands.js';
import { packGemmWeights, roundUp8 } from './weight-packing.js';
import { packedGemm } from './packed-gemm.js';

/** A quantized FULLY_CONNECTED as the TypeScript kernel prepared it (kernels/fully-connected.ts). */
export interface FullyConnectedSpec {
  readonly input: RuntimeTensor;
  readonly output: RuntimeTensor;
  readonly rows: number;
  readonly units: number;
  readonly depth: number;
  /** The model's weights, [units][depth]. */
  readonly weights: Uint8Array | Int8Array;
  /** The weights may be packed where they are (RuntimeTensor.writableInPrepare). */
  readonly weightsWritable?: boolean;
  /** Subtracted from every weight. */
  readonly weightsZeroPoint: number;
  /** [units], or null without a bias tensor. */
  readonly bias: Int32Array | null;
  readonly inputZeroPoint: number;
  readonly outputZeroPoint: number;
  /** One (M, shift) for every unit. */
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly activationMin: number;
  readonly activationMax: number;
}

/** The WebAssembly SIMD FULLY_CONNECTED (the GEMM of CONV_2D), or null when the kernels are off or do not cover this layer. */
export function wasmFullyConnected(spec: FullyConnectedSpec): KernelRun | null {
  const kernels = wasmKernels();
  if (!kernels || spec.activationMin > spec.activationMax) return null;
  const { rows, units, depth } = spec;
  const table = requantTable(spec.bias ?? new Int32Array(units), spec.multiplier, spec.shift, units, roundUp8(units));
  const { exports: k, heap, scratch } = kernels;
  const kp = depth + (depth & 1);
  const signed = spec.input.dtype === 'int8' ? 1 : 0;
  const scalar = requantArguments(table, { perTensor: FLAG_PER_TENSOR, leftShift: FLAG_LEFT_SHIFT });
  const flags = scalar.flags | (spec.output.dtype === 'int8' ? FLAG_SIGNED_OUTPUT : 0);
  const weights = packGemmWeights(heap, spec.weights, spec.weightsZeroPoint, units, depth, spec.weightsWritable);
  const tableBlock = heap.allocCopy(table.data);
  const band = bandRows(rows, kp);
  scratch.reserve('cols', (band + 3) * kp * 2);
  const input = new WasmInput(kernels, spec.input);
  const output = new WasmOutput(kernels, spec.output);
  // The run function captures scalars only, not spec: its weights are a view of the model's
  // bytes, which the interpreter lets go of once every kernel is prepared.
  const { inputZeroPoint: inZp } = spec;
  const gemm = packedGemm({ variant: k[`gemm${flags}`], weights, tablePtr: tableBlock.ptr, table, multiplier: scalar.multiplier, rightShift: scalar.rightShift,
    kp, n: units, outputZeroPoint: spec.outputZeroPoint, activationMin: spec.activationMin, activationMax: spec.activationMax });

  const run = (): void => {
    const src = input.fetch();
    const out = output.target();
    const cols = scratch.ptr('cols');
    for (let r = 0; r < rows; r += band) {
      const count = Math.min(band, rows - r);
      k.widenRows(src + r * depth, count, depth, inZp, signed, cols, kp);
      gemm(cols, count, out + r * units);
    }
    output.store();
  };
  return owningBlocks(run, heap, [...weights.blocks, tableBlock]);
}
