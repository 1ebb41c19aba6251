/** Accuracy and calibration of class scores (rows of `classes` values, row-major). */

/**
 * The rank of the true class in each row's scores: 0 for the top. Ties are broken towards
 * the lower class id, as a stable sort of the output (tflite-ref.js's top-K) does.
 */
export function rankOfLabel(scores: Float32Array, labels: ArrayLike<number>, classes: number): Int32Array {
  const ranks = new Int32Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r]!;
    const sy = scores[r * classes + y]!;
    let rank = 0;
    for (let c = 0; c < classes; c++) {
      const s = scores[r * classes + c]!;
      if (s > sy || (s === sy && c < y)) rank++;
    }
    ranks[r] = rank;
  }
  return ranks;
}

export function topK(ranks: Int32Array, k: number): number {
  let hits = 0;
  for (const r of ranks) if (r < k) hits++;
  return hits / ranks.length;
}

export interface Calibration {
  /** Mean top-1 probability. */
  confidence: number;
  /** Expected calibration error: Σ over 15 equal-width confidence bins of |accuracy − confidence| × share of rows. */
  ece: number;
  /** Mean −log p(true class). */
  nll: number;
}

/**
 * Calibration of `probabilities` (what the model outputs) against `labels`; the NLL comes
 * from `logProbabilities` (log-softmax of the logits), which never hit log(0).
 */
export function calibration(probabilities: Float32Array, logProbabilities: Float32Array, labels: ArrayLike<number>, classes: number, bins = 15): Calibration {
  const n = labels.length;
  const binCount = new Float64Array(bins);
  const binConfidence = new Float64Array(bins);
  const binCorrect = new Float64Array(bins);
  let confidence = 0;
  let nll = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[r * classes + c]! > probabilities[r * classes + best]!) best = c;
    const p = probabilities[r * classes + best]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    binCount[b]!++;
    binConfidence[b]! += p;
    if (best === labels[r]) binCorrect[b]!++;
    confidence += p;
    nll -= logProbabilities[r * classes + labels[r]!]!;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (binCount[b]! > 0) ece += Math.abs(binCorrect[b]! - binConfidence[b]!) / n;
  return { confidence: confidence / n, ece, nll: nll / n };
}

/** Row-wise log-softmax (float64 internally). */
export function logSoftmax(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < classes; c++) out[r * classes + c] = logits[r * classes + c]! - lse;
  }
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (0 for one value). */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
