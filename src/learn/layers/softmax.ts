/**
 * Row-wise softmax: p = exp(z - max(z)) / Σ exp(z - max(z)). Subtracting the row maximum
 * keeps huge logits finite (a row of 1e6 gives a uniform row, not NaN).
 */
export function softmaxRows(logits: Float32Array, count: number, classes: number, out: Float32Array): Float32Array {
  for (let r = 0; r < count; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) if (logits[o + c]! > max) max = logits[o + c]!;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[o + c]! - max);
      out[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[o + c] = out[o + c]! / sum;
  }
  return out;
}

/**
 * Back-propagates dP through the softmax: for each row, dZ = J · dP with the Jacobian
 * J_ij = p_i (δ_ij − p_j), computed as p_i (dp_i − Σ_j p_j dp_j) without forming J.
 */
export function softmaxGradient(probs: Float32Array, dprobs: Float32Array, count: number, classes: number, out: Float32Array): Float32Array {
  for (let r = 0; r < count; r++) {
    const o = r * classes;
    let weighted = 0;
    for (let c = 0; c < classes; c++) weighted += probs[o + c]! * dprobs[o + c]!;
    for (let c = 0; c < classes; c++) out[o + c] = probs[o + c]! * (dprobs[o + c]! - weighted);
  }
  return out;
}

/** The softmax Jacobian of one row of probabilities, J_ij = p_i (δ_ij − p_j), row-major. */
export function softmaxJacobian(probs: ArrayLike<number>): Float64Array {
  const n = probs.length;
  const j = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) j[a * n + b] = probs[a]! * ((a === b ? 1 : 0) - probs[b]!);
  return j;
}
