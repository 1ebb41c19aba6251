/** Latency statistics in milliseconds. */
export interface LatencyStats {
  runs: number;
  median: number;
  min: number;
  mean: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function latencyStats(ms: readonly number[]): LatencyStats {
  return { runs: ms.length, median: median(ms), min: Math.min(...ms), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}

/** Byte i of each input = (i·7 + 3) mod 256: the --pattern input of ../shared/tools/tflite-ref.js. */
export function patternBytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3 + seed) & 255;
  return out;
}
