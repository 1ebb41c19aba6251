/**
 * Kernels convert their input to int16 working copies (widened rows, padded rows, im2col
 * rows) one band of rows at a time, about this many bytes: small enough to stay in the L2
 * cache while the GEMM or depthwise loop goes over it, and to keep the scratch memory small.
 */
export const BAND_BYTES = 256 * 1024;

/** Rows of `kp` int16 values per band of a GEMM (at least 64, the GEMM's own row chunk). */
export function bandRows(rows: number, kp: number): number {
  return Math.min(Math.max(rows, 1), Math.max(64, Math.floor(BAND_BYTES / (kp * 2))));
}
