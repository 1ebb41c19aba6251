import type { BroadcastPlan } from './broadcast.js';
import type { KernelRun } from './kernel.js';
import type { RuntimeTensor } from './tensor.js';

/**
 * For 8-bit binary ops (SUB, MUL, SQUARED_DIFFERENCE) the output byte depends on the two input
 * bytes only, so the fixed-point requantization can be done once per byte pair at prepare time
 * instead of once per element. Rows are indexed by b's byte: when b is a constant (a typical
 * broadcast operand) only the bytes it holds get a row; otherwise all 256 rows are filled when
 * the output is large enough to repay the 64K evaluations.
 */
export interface BytePairTable {
  /** Output bytes: table[rowOffset[bByte] + aByte]. */
  readonly table: Uint8Array;
  /** Start of b's row in `table`, for each byte value b can hold. */
  readonly rowOffset: Int32Array;
}

/**
 * Below this many output elements a full 256 × 256 table (64K evaluations, a few ms at create
 * time) costs more than it saves over a couple of runs.
 */
const FULL_TABLE_MIN_ELEMENTS = 1 << 14;

/**
 * The table for `outputByte(aByte, bByte)`, or null when computing per element is cheaper
 * (b not constant and a small output).
 */
export function planBytePairTable(b: RuntimeTensor, outputElements: number, outputByte: (aByte: number, bByte: number) => number): BytePairTable | null {
  let rows: number[];
  if (b.isConstant) {
    const present = new Uint8Array(256);
    for (const byte of b.bytes) present[byte] = 1;
    rows = [];
    present.forEach((p, byte) => {
      if (p) rows.push(byte);
    });
  } else if (outputElements >= FULL_TABLE_MIN_ELEMENTS) {
    rows = Array.from({ length: 256 }, (_, byte) => byte);
  } else {
    return null;
  }
  const table = new Uint8Array(rows.length * 256);
  const rowOffset = new Int32Array(256).fill(-1);
  rows.forEach((bByte, r) => {
    rowOffset[bByte] = r * 256;
    for (let aByte = 0; aByte < 256; aByte++) table[r * 256 + aByte] = outputByte(aByte, bByte);
  });
  return { table, rowOffset };
}

/**
 * The run of an 8-bit binary op over a broadcast plan, from its per-byte-pair function: table
 * lookups when planBytePairTable gives a table, `outputByte` per element otherwise.
 */
export function bytePairRun(plan: BroadcastPlan, a: RuntimeTensor, b: RuntimeTensor, output: RuntimeTensor, outputByte: (aByte: number, bByte: number) => number): KernelRun {
  const { rows, inner, aStep, bStep, aOffsets, bOffsets } = plan;
  const x = a.bytes;
  const y = b.bytes;
  const o = output.bytes;
  const pairs = planBytePairTable(b, output.size, outputByte);
  if (pairs) {
    const { table, rowOffset } = pairs;
    return () => {
      let n = 0;
      for (let r = 0; r < rows; r++) {
        let i = aOffsets[r]!;
        let j = bOffsets[r]!;
        for (let k = 0; k < inner; k++, i += aStep, j += bStep) o[n++] = table[rowOffset[y[j]!]! + x[i]!]!;
      }
    };
  }
  return () => {
    let n = 0;
    for (let r = 0; r < rows; r++) {
      let i = aOffsets[r]!;
      let j = bOffsets[r]!;
      for (let k = 0; k < inner; k++, i += aStep, j += bStep) o[n++] = outputByte(x[i]!, y[j]!);
    }
  };
}
