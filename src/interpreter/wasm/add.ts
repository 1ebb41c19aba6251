import type { BroadcastPlan } from '../broadcast.js';
import type { KernelRun } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';
import { wasmKernels } from './module.js';
import { WasmOutput } from './operands.js';
import { owningBlocks } from './owned-blocks.js';

/**
 * A quantized ADD as the TypeScript kernel prepared it (kernels/add.ts), or a SUB
 * (kernels/sub.ts: the same arithmetic, with b's rescaled values negated).
 */
export interface QuantizedAddSpec {
  readonly a: RuntimeTensor;
  readonly b: RuntimeTensor;
  readonly output: RuntimeTensor;
  readonly layout: BroadcastPlan;
  /** Each input's rescaled value M_in((q − zp)·2^20), indexed by the raw byte. */
  readonly scaledA: Int32Array;
  readonly scaledB: Int32Array;
  readonly outputMultiplier: number;
  /** The output stage's right shift (≥ 0). */
  readonly outputShift: number;
  readonly outputZeroPoint: number;
  readonly activationMin: number;
  readonly activationMax: number;
}

/**
 * The WebAssembly quantized ADD and SUB (assembly/add.ts): the output stage per element with exact
 * 64-bit products, instead of the TypeScript kernel's 64 KiB table of every result (which
 * takes memory and 65,536 evaluations to build). Null when the kernels are off or an input
 * does not live in their memory (a constant, a model input): the TypeScript kernel runs then.
 */
export function wasmAddQuantized(spec: QuantizedAddSpec): KernelRun | null {
  const kernels = wasmKernels();
  if (!kernels) return null;
  const { exports: k, heap } = kernels;
  const a = heap.addressOf(spec.a.bytes);
  const b = heap.addressOf(spec.b.bytes);
  if (a === null || b === null) return null;
  const { rows, inner, aStep, bStep } = spec.layout;
  const tables = heap.allocCopy(Int32Array.from([...spec.scaledA, ...spec.scaledB]));
  const offsets = heap.allocCopy(Int32Array.from([...spec.layout.aOffsets, ...spec.layout.bOffsets]));
  const output = new WasmOutput(kernels, spec.output);
  const { outputMultiplier: m, outputShift: s, outputZeroPoint: zp, activationMin: lo, activationMax: hi } = spec;
  const run = (): void => {
    k.addQuantized(a, b, output.target(), rows, inner, offsets.ptr, offsets.ptr + rows * 4, aStep, bStep, tables.ptr, tables.ptr + 1024, m, s, zp, lo, hi);
    output.store();
  };
  return owningBlocks(run, heap, [tables, offsets]);
}
