/**
 * The per-channel requantization table the WebAssembly kernels read (layout described in
 * assembly/requantize.ts): int32 rows of `paddedChannels` values each —
 *   0 bias, 1 multiplier M, 2 2^(31 − n) for the final right shift by n (any value when n = 0),
 *   3 −1 where n = 0, else 0, 4 2^shift for a left shift (shift > 0), else 1.
 */
export interface RequantTable {
  readonly data: Int32Array;
  /** Bytes from one row to the next. */
  readonly stride: number;
  /** Some channel shifts left (a real multiplier ≥ 1): the kernels need FLAG_LEFT_SHIFT. */
  readonly leftShift: boolean;
  /**
   * Set when every channel has the same multiplier and a final right shift n ≥ 1: the kernels
   * then take these as arguments (FLAG_PER_TENSOR) and use a cheaper vector shift.
   */
  readonly perTensor: { readonly multiplier: number; readonly rightShift: number } | null;
}

const ROWS = 5;

/**
 * Builds the table for `channels` channels padded to `paddedChannels`; `multiplier` and `shift`
 * hold one value per channel (TFLite's (M, shift) pairs, shift > 0 meaning a left shift).
 */
export function requantTable(bias: Int32Array, multiplier: Int32Array, shift: Int32Array, channels: number, paddedChannels: number): RequantTable {
  const data = new Int32Array(ROWS * paddedChannels);
  let leftShift = false;
  for (let c = 0; c < paddedChannels; c++) {
    const s = c < channels ? shift[c]! : 0;
    const n = s < 0 ? -s : 0;
    if (s > 0) leftShift = true;
    data[c] = c < channels ? bias[c]! : 0;
    data[paddedChannels + c] = c < channels ? multiplier[c]! : 0;
    data[2 * paddedChannels + c] = n === 0 ? 1 << 30 : 2 ** (31 - n);
    data[3 * paddedChannels + c] = n === 0 ? -1 : 0;
    data[4 * paddedChannels + c] = s > 0 ? 1 << s : 1; // 1 << 31 wraps to INT32_MIN, as the int32 shift it stands for
  }
  const uniform = channels > 0 && multiplier.every((m, c) => c >= channels || (m === multiplier[0] && shift[c] === shift[0]));
  const perTensor = uniform && shift[0]! < 0 ? { multiplier: multiplier[0]!, rightShift: -shift[0]! } : null;
  return { data, stride: paddedChannels * 4, leftShift, perTensor };
}

/** The flag bits and the two scalar arguments the kernels take for a table. */
export function requantArguments(table: RequantTable, flags: { perTensor: number; leftShift: number }): { flags: number; multiplier: number; rightShift: number } {
  if (table.perTensor) return { flags: flags.perTensor, ...table.perTensor };
  return { flags: table.leftShift ? flags.leftShift : 0, multiplier: 0, rightShift: 0 };
}
