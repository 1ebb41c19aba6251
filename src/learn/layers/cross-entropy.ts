/**
 * Mean cross-entropy of probabilities against integer labels: −(1/n) Σ_r log p[r, label_r].
 * (With one-hot labels this is Coral's CrossEntropyLoss.)
 */
export function crossEntropyLoss(probs: Float32Array, labels: ArrayLike<number>, count: number, classes: number, rows?: Int32Array): number {
  let sum = 0;
  for (let r = 0; r < count; r++) sum -= Math.log(probs[r * classes + labels[rows ? rows[r]! : r]!]!);
  return sum / count;
}

/** d(loss)/d(probs) = −Y / P / n, Coral's CrossEntropyGradient. */
export function crossEntropyGradient(probs: Float32Array, labels: ArrayLike<number>, count: number, classes: number, out: Float32Array, rows?: Int32Array): Float32Array {
  out.fill(0, 0, count * classes);
  for (let r = 0; r < count; r++) {
    const i = r * classes + labels[rows ? rows[r]! : r]!;
    out[i] = -1 / probs[i]! / count;
  }
  return out;
}

/**
 * d(loss)/d(logits) of softmax followed by cross-entropy, in closed form: (P − Y) / n.
 * Coral multiplies −Y/P by the full softmax Jacobian instead, which is the same value
 * mathematically but gives inf/NaN when a true-class probability underflows to 0.
 */
export function softmaxCrossEntropyGradient(probs: Float32Array, labels: ArrayLike<number>, count: number, classes: number, out: Float32Array, rows?: Int32Array): Float32Array {
  const inv = 1 / count;
  for (let r = 0; r < count; r++) {
    const o = r * classes;
    for (let c = 0; c < classes; c++) out[o + c] = probs[o + c]! * inv;
    const i = o + labels[rows ? rows[r]! : r]!;
    out[i] = out[i]! - inv;
  }
  return out;
}
