import type { GemmFunction } from './module.js';
import type { RequantTable } from './requant-table.js';
import type { PackedGemmWeights } from './weight-packing.js';

/** What a prepared GEMM needs besides its rows: the variant, its packed weights and requantization. */
export interface PackedGemmSetup {
  readonly variant: GemmFunction;
  readonly weights: PackedGemmWeights;
  /** Address of the requantization table in wasm memory, and the table (for its row stride). */
  readonly tablePtr: number;
  readonly table: RequantTable;
  /** The scalar multiplier and right shift of a per-tensor table (0 otherwise). */
  readonly multiplier: number;
  readonly rightShift: number;
  /** Values per row of the widened input (the depth rounded up to even). */
  readonly kp: number;
  /** Output channels: bytes per output row. */
  readonly n: number;
  readonly outputZeroPoint: number;
  readonly activationMin: number;
  readonly activationMax: number;
}

/** Bytes of the requantization table per block of 8 channels (8 int32). */
const TABLE_BLOCK_BYTES = 32;

/**
 * Returns gemm(a, rows, out): `rows` widened input rows at `a` times the packed weights,
 * requantized into `out` (n bytes per row), one GEMM call per part of the weights in the order
 * they must run. The closure captures numbers only (no views of the model's bytes).
 */
export function packedGemm(s: PackedGemmSetup): (a: number, rows: number, out: number) => void {
  const { variant, kp, n, multiplier, rightShift, outputZeroPoint: zp, activationMin: lo, activationMax: hi } = s;
  const { zeroCorrection } = s.weights;
  const stride = s.table.stride;
  const parts = s.weights.parts.map((p) => ({ ptr: p.ptr, channels: p.channels, first: p.firstChannel, table: s.tablePtr + (p.firstChannel / 8) * TABLE_BLOCK_BYTES }));
  if (parts.length === 1) {
    const [{ ptr, table }] = parts as [(typeof parts)[number]];
    return (a, rows, out) => variant(a, kp * 2, rows, ptr, kp / 2, n, table, stride, multiplier, rightShift, out, n, zp, lo, hi, zeroCorrection);
  }
  return (a, rows, out) => {
    for (const p of parts) variant(a, kp * 2, rows, p.ptr, kp / 2, p.channels, p.table, stride, multiplier, rightShift, out + p.first, n, zp, lo, hi, zeroCorrection);
  };
}
