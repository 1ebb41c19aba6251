/**
 * Fully connected layer over row-major float32 matrices. Weights are class-major
 * (`w[c * dim + d]`, one row per output), the layout of a TFLite FULLY_CONNECTED kernel:
 * logits = X · Wᵀ + b. Every function writes into caller-owned buffers, so a training
 * loop allocates nothing per iteration. The hot loops work on small blocks (rows ×
 * outputs) so that each value loaded feeds several multiply-adds: in V8 that is about
 * 2× faster than one dot product or one axpy at a time.
 */

/**
 * out[r * outputs + c] = b[c] + Σ_d x[row_r * dim + d] · w[c * dim + d], where row_r is
 * `rows[r]` when a row list is given (a mini-batch drawn from x) and r otherwise.
 */
export function fullyConnected(
  x: Float32Array,
  dim: number,
  count: number,
  w: Float32Array,
  b: Float32Array,
  outputs: number,
  out: Float32Array,
  rows?: Int32Array,
): Float32Array {
  let r = 0;
  // Two rows × four outputs per pass: each x and w value loaded feeds several products.
  for (; r + 1 < count; r += 2) {
    const xa = (rows ? rows[r]! : r) * dim;
    const xb = (rows ? rows[r + 1]! : r + 1) * dim;
    const oa = r * outputs;
    const ob = oa + outputs;
    let c = 0;
    for (; c + 3 < outputs; c += 4) {
      const w0 = c * dim;
      const w1 = w0 + dim;
      const w2 = w1 + dim;
      const w3 = w2 + dim;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let d = 0; d < dim; d++) {
        const u = x[xa + d]!;
        const v = x[xb + d]!;
        const k0 = w[w0 + d]!;
        const k1 = w[w1 + d]!;
        const k2 = w[w2 + d]!;
        const k3 = w[w3 + d]!;
        a0 += u * k0;
        a1 += u * k1;
        a2 += u * k2;
        a3 += u * k3;
        b0 += v * k0;
        b1 += v * k1;
        b2 += v * k2;
        b3 += v * k3;
      }
      out[oa + c] = b[c]! + a0;
      out[oa + c + 1] = b[c + 1]! + a1;
      out[oa + c + 2] = b[c + 2]! + a2;
      out[oa + c + 3] = b[c + 3]! + a3;
      out[ob + c] = b[c]! + b0;
      out[ob + c + 1] = b[c + 1]! + b1;
      out[ob + c + 2] = b[c + 2]! + b2;
      out[ob + c + 3] = b[c + 3]! + b3;
    }
    for (; c < outputs; c++) {
      out[oa + c] = b[c]! + dot(x, xa, w, c * dim, dim);
      out[ob + c] = b[c]! + dot(x, xb, w, c * dim, dim);
    }
  }
  for (; r < count; r++) {
    const xo = (rows ? rows[r]! : r) * dim;
    for (let c = 0; c < outputs; c++) out[r * outputs + c] = b[c]! + dot(x, xo, w, c * dim, dim);
  }
  return out;
}

/** Σ_i a[ao + i] · b[bo + i], four independent sums so the CPU can overlap them. */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < n; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * target[c * dim + d] += alpha · Σ_r dy[r * outputs + c] · x[row_r * dim + d]: the weight
 * gradient dYᵀ·X scaled by alpha and added to `target`. With alpha = 1 on a zeroed target
 * it is dW; with alpha = −learningRate on the weights it is the SGD step itself.
 */
export function addWeightGradient(
  x: Float32Array,
  dim: number,
  count: number,
  dy: Float32Array,
  outputs: number,
  alpha: number,
  target: Float32Array,
  rows?: Int32Array,
): void {
  let c = 0;
  // Four outputs × four rows per pass: each target row is loaded and stored once per
  // sixteen products.
  for (; c + 3 < outputs; c += 4) {
    const t0 = c * dim;
    const t1 = t0 + dim;
    const t2 = t1 + dim;
    const t3 = t2 + dim;
    let r = 0;
    for (; r + 3 < count; r += 4) {
      const x0 = (rows ? rows[r]! : r) * dim;
      const x1 = (rows ? rows[r + 1]! : r + 1) * dim;
      const x2 = (rows ? rows[r + 2]! : r + 2) * dim;
      const x3 = (rows ? rows[r + 3]! : r + 3) * dim;
      const o0 = r * outputs + c;
      const o1 = o0 + outputs;
      const o2 = o1 + outputs;
      const o3 = o2 + outputs;
      const g00 = alpha * dy[o0]!, g01 = alpha * dy[o1]!, g02 = alpha * dy[o2]!, g03 = alpha * dy[o3]!;
      const g10 = alpha * dy[o0 + 1]!, g11 = alpha * dy[o1 + 1]!, g12 = alpha * dy[o2 + 1]!, g13 = alpha * dy[o3 + 1]!;
      const g20 = alpha * dy[o0 + 2]!, g21 = alpha * dy[o1 + 2]!, g22 = alpha * dy[o2 + 2]!, g23 = alpha * dy[o3 + 2]!;
      const g30 = alpha * dy[o0 + 3]!, g31 = alpha * dy[o1 + 3]!, g32 = alpha * dy[o2 + 3]!, g33 = alpha * dy[o3 + 3]!;
      for (let d = 0; d < dim; d++) {
        const v0 = x[x0 + d]!;
        const v1 = x[x1 + d]!;
        const v2 = x[x2 + d]!;
        const v3 = x[x3 + d]!;
        target[t0 + d] = target[t0 + d]! + (g00 * v0 + g01 * v1 + (g02 * v2 + g03 * v3));
        target[t1 + d] = target[t1 + d]! + (g10 * v0 + g11 * v1 + (g12 * v2 + g13 * v3));
        target[t2 + d] = target[t2 + d]! + (g20 * v0 + g21 * v1 + (g22 * v2 + g23 * v3));
        target[t3 + d] = target[t3 + d]! + (g30 * v0 + g31 * v1 + (g32 * v2 + g33 * v3));
      }
    }
    for (; r < count; r++) {
      const xo = (rows ? rows[r]! : r) * dim;
      for (let k = 0; k < 4; k++) axpy(alpha * dy[r * outputs + c + k]!, x, xo, target, (c + k) * dim, dim);
    }
  }
  for (; c < outputs; c++) {
    for (let r = 0; r < count; r++) axpy(alpha * dy[r * outputs + c]!, x, (rows ? rows[r]! : r) * dim, target, c * dim, dim);
  }
}

/**
 * Gradients of the layer given dY (count × outputs): dW = dYᵀ · X (class-major, like w),
 * db = column sums of dY, and dX = dY · W when `dx` is given.
 */
export function fullyConnectedGradient(
  x: Float32Array,
  dim: number,
  count: number,
  w: Float32Array,
  outputs: number,
  dy: Float32Array,
  dw: Float32Array,
  db: Float32Array,
  dx?: Float32Array,
  rows?: Int32Array,
): void {
  dw.fill(0, 0, outputs * dim);
  addWeightGradient(x, dim, count, dy, outputs, 1, dw, rows);
  addBiasGradient(dy, count, outputs, 1, db.fill(0, 0, outputs));
  if (dx) {
    dx.fill(0, 0, count * dim);
    for (let r = 0; r < count; r++) for (let c = 0; c < outputs; c++) axpy(dy[r * outputs + c]!, w, c * dim, dx, r * dim, dim);
  }
}

/** target[c] += alpha · Σ_r dy[r * outputs + c]: the bias gradient, scaled and added. */
export function addBiasGradient(dy: Float32Array, count: number, outputs: number, alpha: number, target: Float32Array): void {
  for (let c = 0; c < outputs; c++) {
    let s = 0;
    for (let r = 0; r < count; r++) s += dy[r * outputs + c]!;
    target[c] = target[c]! + alpha * s;
  }
}

/** y[yo + i] += alpha · x[xo + i] for i < n. */
export function axpy(alpha: number, x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): void {
  for (let i = 0; i < n; i++) y[yo + i] = y[yo + i]! + alpha * x[xo + i]!;
}
