import { expect } from 'chai';
import { crossEntropyGradient, crossEntropyLoss, softmaxCrossEntropyGradient } from '../../src/learn/layers/cross-entropy.js';
import { addWeightGradient, fullyConnected, fullyConnectedGradient } from '../../src/learn/layers/fully-connected.js';
import { sgdUpdate } from '../../src/learn/layers/sgd.js';
import { softmaxGradient, softmaxJacobian, softmaxRows } from '../../src/learn/layers/softmax.js';
import { SeededRandom } from '../../src/learn/seeded-random.js';

/** Central-difference gradient of f at x (Coral's NumericalGradient), in float64. */
function numericalGradient(f: () => number, x: Float32Array, eps = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + eps;
    const up = f();
    x[i] = keep - eps;
    const down = f();
    x[i] = keep;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]!, `${what}[${i}]`).to.be.closeTo(expected[i]!, tol);
}

/** max|a - b| / max|b|: Coral's relative inf-norm error. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

function randomArray(random: SeededRandom, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * random.normal());
}

describe('learn: layers (Coral layers_test ported)', function () {
  it('cross-entropy of uniform probabilities is -ln 0.1', function () {
    const p = new Float32Array(10).fill(0.1);
    expect(crossEntropyLoss(p, [4], 1, 10)).to.be.closeTo(-Math.log(0.1), 1e-6);
    const two = Float32Array.of(...new Array(10).fill(0.1), 0.9, 0.02, ...new Array(8).fill(0.01));
    expect(crossEntropyLoss(two, [4, 0], 2, 10)).to.be.closeTo(-(Math.log(0.1) + Math.log(0.9)) / 2, 1e-6);
  });

  it('cross-entropy gradient matches the numerical gradient', function () {
    const random = new SeededRandom(1);
    const p = Float32Array.from({ length: 20 }, () => 0.05 + 0.9 * random.uniform());
    const labels = [4, 7];
    const analytic = crossEntropyGradient(p, labels, 2, 10, new Float32Array(20));
    const numeric = numericalGradient(() => crossEntropyLoss(p, labels, 2, 10), p);
    expectClose(analytic, numeric, 1e-3, 'dP');
  });

  it('fully connected: X·Wᵀ + b on Coral\'s example', function () {
    const x = Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    // Coral's W = Xᵀ (5×2); class-major that is X itself.
    const out = fullyConnected(x, 5, 2, x, Float32Array.of(1, 1), 2, new Float32Array(4));
    expect(Array.from(out)).to.deep.equal([31, 81, 81, 256]);
  });

  it('fully connected gradient of mean(Y) matches the numerical gradient (dX, dW, db)', function () {
    const random = new SeededRandom(2);
    // Odd sizes exercise every remainder path of the blocked loops.
    for (const [rows, dim, classes] of [[10, 5, 2], [7, 9, 6], [5, 3, 5], [1, 4, 1]] as const) {
      const x = randomArray(random, rows * dim);
      const w = randomArray(random, classes * dim);
      const b = randomArray(random, classes);
      const y = new Float32Array(rows * classes);
      const meanY = (): number => fullyConnected(x, dim, rows, w, b, classes, y).reduce((s, v) => s + v, 0) / y.length;
      const dy = new Float32Array(rows * classes).fill(1 / (rows * classes));
      const dw = new Float32Array(classes * dim);
      const db = new Float32Array(classes);
      const dx = new Float32Array(rows * dim);
      fullyConnectedGradient(x, dim, rows, w, classes, dy, dw, db, dx);
      expect(relativeError(dx, numericalGradient(meanY, x)), 'dX').to.be.below(1e-3);
      expect(relativeError(dw, numericalGradient(meanY, w)), 'dW').to.be.below(1e-3);
      expect(relativeError(db, numericalGradient(meanY, b)), 'db').to.be.below(1e-3);
    }
  });

  it('the blocked loops equal the textbook sums, with a row list too', function () {
    const random = new SeededRandom(3);
    const [n, dim, classes, count] = [13, 11, 7, 9];
    const x = randomArray(random, n * dim);
    const w = randomArray(random, classes * dim);
    const b = randomArray(random, classes);
    const rows = Int32Array.from({ length: count }, () => random.below(n));
    const out = fullyConnected(x, dim, count, w, b, classes, new Float32Array(count * classes), rows);
    const dy = randomArray(random, count * classes);
    const target = randomArray(random, classes * dim);
    const expected = target.slice();
    addWeightGradient(x, dim, count, dy, classes, -0.5, target, rows);
    for (let r = 0; r < count; r++) {
      for (let c = 0; c < classes; c++) {
        let s = b[c]!;
        for (let d = 0; d < dim; d++) s += x[rows[r]! * dim + d]! * w[c * dim + d]!;
        expect(out[r * classes + c]!).to.be.closeTo(s, 1e-5);
        for (let d = 0; d < dim; d++) expected[c * dim + d] = expected[c * dim + d]! - 0.5 * dy[r * classes + c]! * x[rows[r]! * dim + d]!;
      }
    }
    expectClose(target, expected, 1e-5, 'W after the update');
  });

  it('softmax of constant rows is uniform, even for huge logits', function () {
    expectClose(softmaxRows(new Float32Array(10).fill(1), 1, 10, new Float32Array(10)), new Array(10).fill(0.1), 1e-7, 'ones(1×10)');
    expectClose(softmaxRows(new Float32Array(10).fill(1), 2, 5, new Float32Array(10)), new Array(10).fill(0.2), 1e-7, 'ones(2×5)');
    expectClose(softmaxRows(new Float32Array(10).fill(1e6), 2, 5, new Float32Array(10)), new Array(10).fill(0.2), 1e-7, '1e6(2×5)');
  });

  it('softmax local Jacobian on [7, 3, 8, 9] matches the naive formula', function () {
    const z = Float32Array.of(7, 3, 8, 9);
    const p = softmaxRows(z, 1, 4, new Float32Array(4));
    const j = softmaxJacobian(p);
    for (let a = 0; a < 4; a++) for (let c = 0; c < 4; c++) expect(j[a * 4 + c]!).to.be.closeTo(a === c ? p[a]! * (1 - p[a]!) : -p[a]! * p[c]!, 1e-3);
    // The Jacobian-vector product used in backprop equals J·dP.
    const dp = Float32Array.of(0.3, -1, 2, 0.5);
    const dz = softmaxGradient(p, dp, 1, 4, new Float32Array(4));
    for (let a = 0; a < 4; a++) expect(dz[a]!).to.be.closeTo([0, 1, 2, 3].reduce((s, c) => s + j[a * 4 + c]! * dp[c]!, 0), 1e-6);
  });

  it('softmax gradient of sum(p · k) matches the numerical gradient (1×10 and 2×5)', function () {
    const logits = Float32Array.of(5, 2, 8, 9, 1, -15, 0, 0, -6, 5.4);
    const k = Float32Array.from({ length: 10 }, (_, i) => i + 1); // a weighted sum, so the gradient is not 0
    for (const [rows, classes] of [[1, 10], [2, 5]] as const) {
      const z = logits.slice();
      const p = new Float32Array(10);
      const f = (): number => softmaxRows(z, rows, classes, p).reduce((s, v, i) => s + v * k[i]!, 0);
      f();
      const analytic = softmaxGradient(p, k, rows, classes, new Float32Array(10));
      expectClose(analytic, numericalGradient(f, z), 1e-3, `dZ ${rows}×${classes}`);
    }
  });

  it('softmax + cross-entropy gradient (P − Y)/n matches the numerical one and the chained one', function () {
    const z = Float32Array.of(5, 2, 8, 9, 1, -15, 0, 0, -6, 5.4);
    const p = new Float32Array(10);
    const loss = (): number => crossEntropyLoss(softmaxRows(z, 1, 10, p), [4], 1, 10);
    loss();
    const fused = softmaxCrossEntropyGradient(p, [4], 1, 10, new Float32Array(10));
    expectClose(fused, numericalGradient(loss, z), 1e-3, 'dZ');
    const chained = softmaxGradient(p, crossEntropyGradient(p, [4], 1, 10, new Float32Array(10)), 1, 10, new Float32Array(10));
    expectClose(fused, chained, 1e-4, 'fused vs chained');
  });

  it('the fused gradient stays finite where the chained one (Coral\'s) overflows', function () {
    const z = Float32Array.of(0, 200); // p[0] underflows to 0 in float32
    const p = softmaxRows(z, 1, 2, new Float32Array(2));
    expect(p[0]).to.equal(0);
    const fused = softmaxCrossEntropyGradient(p, [0], 1, 2, new Float32Array(2));
    expect(Array.from(fused)).to.deep.equal([-1, 1]);
    const chained = softmaxGradient(p, crossEntropyGradient(p, [0], 1, 2, new Float32Array(2)), 1, 2, new Float32Array(2));
    expect(chained.some((v) => !Number.isFinite(v))).to.equal(true);
  });

  it('SGD: W − lr·grad', function () {
    const w = Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    const b = Float32Array.of(1, 1);
    sgdUpdate([w, b], [w.map((v) => v / 2), b.map((v) => v / 2)], 1);
    expectClose(w, [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5], 1e-6, 'W');
    expectClose(b, [0.5, 0.5], 1e-6, 'b');
  });

  it('the seeded generator repeats, resumes from its state, and is roughly N(0, 1)', function () {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    expect([a.nextUint32(), a.nextUint32()]).to.deep.equal([b.nextUint32(), b.nextUint32()]);
    const resumed = new SeededRandom(a.state);
    expect(resumed.nextUint32()).to.equal(a.nextUint32());
    const n = 20000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const v = a.normal();
      sum += v;
      sq += v * v;
    }
    expect(sum / n).to.be.closeTo(0, 0.03);
    expect(sq / n - (sum / n) ** 2).to.be.closeTo(1, 0.05);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[a.below(7)]++;
    for (const c of counts) expect(c).to.be.within(850, 1150);
  });
});
