import type { Model } from '../tflite/index.js';
import { appendClassifierHead, embeddingTensorOf, logitBoundsFor } from './classifier-head.js';
import { InvalidTrainingDataError } from './errors.js';
import { toFeatureMatrix, toLabels, type FeatureInput, type FeatureMatrix, type LabelInput } from './feature-matrix.js';
import { addBiasGradient, addWeightGradient, dot, fullyConnected } from './layers/fully-connected.js';
import { crossEntropyLoss, softmaxCrossEntropyGradient } from './layers/cross-entropy.js';
import { softmaxRows } from './layers/softmax.js';
import { modelFrom } from './model-input.js';
import { SeededRandom } from './seeded-random.js';

export interface SoftmaxRegressionOptions {
  /** Length of one embedding (the extractor's output size). */
  featureDim: number;
  numClasses: number;
  /** Initial weights are weightScale × N(0, 1). Coral's default: 0.01. */
  weightScale?: number;
  /** L2 regularization strength (loss + reg/2 · ‖W‖², gradient + reg · W). */
  reg?: number;
  /** Makes weight initialisation and batch sampling repeatable. Default: random. */
  seed?: number;
}

export interface TrainingData {
  dataTrain: FeatureInput;
  labelsTrain: LabelInput;
  /** Validation data, for the accuracy reported while training (optional). */
  dataVal?: FeatureInput;
  labelsVal?: LabelInput;
}

export interface TrainingProgress {
  /** The iteration just finished (0-based). */
  iteration: number;
  numIter: number;
  /** Cross-entropy (plus regularization) of this iteration's mini-batch, before its update. */
  loss: number;
  /** Accuracy on the whole training set, as a fraction. */
  trainAccuracy: number;
  /** Accuracy on the whole validation set, when one was given. */
  valAccuracy?: number;
}

export interface SgdOptions {
  numIter: number;
  learningRate: number;
  /** Rows per mini-batch, drawn uniformly with replacement. Default 100. */
  batchSize?: number;
  /**
   * Report progress every this many iterations (iteration 0 included), as Coral does.
   * Reports go to onProgress; without onProgress, an explicit printEvery prints them to
   * stderr. 0 turns reports off. Default 100 with onProgress, otherwise 0.
   */
  printEvery?: number;
  onProgress?: (progress: TrainingProgress) => void;
  /** Stops training after the current iteration; the weights reached so far are kept. */
  signal?: AbortSignal;
}

export interface TrainingResult {
  /** Iterations run by this call (fewer than numIter when aborted). */
  iterations: number;
  aborted: boolean;
  /** Loss of the last mini-batch (NaN when no iteration ran). */
  loss: number;
  trainAccuracy: number;
  valAccuracy?: number;
  seconds: number;
}

/** The JSON form of a SoftmaxRegression (weights as base64 float32 little-endian). */
export interface SoftmaxRegressionJSON {
  format: typeof JSON_FORMAT;
  version: 1;
  featureDim: number;
  numClasses: number;
  weightScale: number;
  reg: number;
  /** numClasses rows of featureDim float32 values, base64. */
  weights: string;
  bias: number[];
  /** Smallest and largest logit seen while training, or null before training. */
  logitRange: [number, number] | null;
  iterations: number;
  randomState: number[];
}

const JSON_FORMAT = 'edgetpu-learn.softmax-regression';
/** How long training may hold the event loop before it yields (so an abort can arrive). */
const YIELD_AFTER_MS = 25;

/**
 * Last-layer backpropagation, as Coral's SoftmaxRegression: a fully connected layer and
 * a softmax over fixed embeddings, trained by mini-batch SGD on cross-entropy, exported
 * as FULLY_CONNECTED + SOFTMAX appended to the embedding extractor.
 *
 * Differences from Coral (fixes): `reg` is applied in the gradient (libcoral adds it to
 * the printed loss only, and as the sum of all entries of WᵀW rather than ‖W‖²); the
 * gradient is computed as (P − Y)/n, which cannot turn into NaN; training is repeatable
 * with `seed`; an untrained model exports with a valid output range instead of scale 0.
 */
export class SoftmaxRegression {
  readonly featureDim: number;
  readonly numClasses: number;
  readonly weightScale: number;
  readonly reg: number;
  /** Class-major weights: row c (featureDim values) belongs to class c. */
  private readonly w: Float32Array;
  private readonly b: Float32Array;
  private logitMin = Infinity;
  private logitMax = -Infinity;
  private random: SeededRandom;
  private iterationsTrained = 0;

  constructor(options: SoftmaxRegressionOptions) {
    const { featureDim, numClasses, weightScale = 0.01, reg = 0, seed } = options;
    if (!(Number.isInteger(featureDim) && featureDim > 0)) throw new RangeError(`featureDim must be a positive integer, got ${featureDim}`);
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new RangeError(`numClasses must be an integer of at least 2, got ${numClasses}`);
    if (!(Number.isFinite(weightScale) && weightScale >= 0)) throw new RangeError(`weightScale must be a finite number >= 0, got ${weightScale}`);
    if (!(Number.isFinite(reg) && reg >= 0)) throw new RangeError(`reg must be a finite number >= 0, got ${reg}`);
    this.featureDim = featureDim;
    this.numClasses = numClasses;
    this.weightScale = weightScale;
    this.reg = reg;
    this.random = new SeededRandom(seed);
    this.w = new Float32Array(numClasses * featureDim);
    this.b = new Float32Array(numClasses);
    // Coral draws W (featureDim × numClasses) column by column (Eigen is column-major), that
    // is class by class: the same order as our class-major rows.
    for (let i = 0; i < this.w.length; i++) this.w[i] = weightScale * this.random.normal();
  }

  /** A copy of the class-major weights (numClasses rows of featureDim). */
  get weights(): Float32Array {
    return this.w.slice();
  }

  get bias(): Float32Array {
    return this.b.slice();
  }

  /** [min, max] of the logits seen in training (sets the exported output quantization), or null. */
  get logitRange(): [number, number] | null {
    return this.logitMin <= this.logitMax ? [this.logitMin, this.logitMax] : null;
  }

  /** Iterations of SGD run so far, over all trainWithSgd calls. */
  get iterations(): number {
    return this.iterationsTrained;
  }

  /**
   * Runs `numIter` iterations of mini-batch SGD. Can be called again to continue training.
   * Resolves early (with `aborted: true`) when `signal` aborts; the model stays usable.
   */
  async trainWithSgd(data: TrainingData, options: SgdOptions): Promise<TrainingResult> {
    const started = performance.now();
    const { numIter, learningRate, batchSize = 100, onProgress, signal } = options;
    if (!(Number.isInteger(numIter) && numIter >= 0)) throw new RangeError(`numIter must be an integer >= 0, got ${numIter}`);
    if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`learningRate must be a finite number > 0, got ${learningRate}`);
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const printEvery = options.printEvery ?? (onProgress ? 100 : 0);
    if (!(Number.isInteger(printEvery) && printEvery >= 0)) throw new RangeError(`printEvery must be an integer >= 0, got ${printEvery}`);
    const report = onProgress ?? (options.printEvery ? printProgress : undefined);

    const D = this.featureDim;
    const C = this.numClasses;
    const train = toFeatureMatrix(data.dataTrain, D, 'dataTrain');
    if (train.rows === 0) throw new InvalidTrainingDataError('dataTrain has no rows');
    const labels = toLabels(data.labelsTrain, train.rows, C, 'labelsTrain');
    let val: { x: FeatureMatrix; y: Int32Array } | undefined;
    if (data.dataVal !== undefined || data.labelsVal !== undefined) {
      if (data.dataVal === undefined || data.labelsVal === undefined) throw new InvalidTrainingDataError('give both dataVal and labelsVal, or neither');
      const x = toFeatureMatrix(data.dataVal, D, 'dataVal');
      val = { x, y: toLabels(data.labelsVal, x.rows, C, 'labelsVal') };
    }

    // Everything the loop touches is allocated here, once.
    const rows = new Int32Array(batchSize);
    const logits = new Float32Array(batchSize * C);
    const probs = new Float32Array(batchSize * C);
    const dlogits = new Float32Array(batchSize * C);
    const x = train.data;
    const w = this.w;
    const b = this.b;
    const decay = 1 - learningRate * this.reg;
    let loss = Number.NaN;
    let done = 0;
    let lastYield = performance.now();

    for (let it = 0; it < numIter; it++) {
      if (signal?.aborted) break;
      for (let r = 0; r < batchSize; r++) rows[r] = this.random.below(train.rows);
      fullyConnected(x, D, batchSize, w, b, C, logits, rows);
      this.track(logits, batchSize * C);
      softmaxRows(logits, batchSize, C, probs);
      loss = crossEntropyLoss(probs, labels, batchSize, C, rows);
      if (this.reg > 0) loss += 0.5 * this.reg * sumOfSquares(w);
      softmaxCrossEntropyGradient(probs, labels, batchSize, C, dlogits, rows);
      // W −= lr·(Xᵀ·dZ + reg·W): the decay first (it uses the old W), then the data term
      // straight into W, which needs no dW buffer.
      if (this.reg > 0) for (let i = 0; i < w.length; i++) w[i] = w[i]! * decay;
      addWeightGradient(x, D, batchSize, dlogits, C, -learningRate, w, rows);
      addBiasGradient(dlogits, batchSize, C, -learningRate, b);
      done++;
      this.iterationsTrained++;
      if (report && printEvery > 0 && it % printEvery === 0) {
        report({ iteration: it, numIter, loss, trainAccuracy: this.accuracyOf(train, labels), valAccuracy: val ? this.accuracyOf(val.x, val.y) : undefined });
      }
      if ((it & 7) === 7 && performance.now() - lastYield > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }

    // The last update can push logits past what the batches saw; one pass over the
    // training set with the final weights widens the range (and gives the accuracy).
    const trainAccuracy = done > 0 ? this.accuracyOf(train, labels, true) : this.accuracyOf(train, labels);
    return {
      iterations: done,
      aborted: done < numIter,
      loss,
      trainAccuracy,
      valAccuracy: val ? this.accuracyOf(val.x, val.y) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Fraction of rows whose highest logit is their label (ties: the lowest class id). */
  getAccuracy(data: FeatureInput, labels: LabelInput): number {
    const m = toFeatureMatrix(data, this.featureDim);
    return this.accuracyOf(m, toLabels(labels, m.rows, this.numClasses));
  }

  /** The predicted class of each row. */
  predict(data: FeatureInput): Int32Array {
    const m = toFeatureMatrix(data, this.featureDim);
    const out = new Int32Array(m.rows);
    const logits = new Float32Array(this.numClasses);
    for (let r = 0; r < m.rows; r++) out[r] = this.argmaxRow(m.data, r, logits);
    return out;
  }

  /** Softmax probabilities, rows × numClasses, row-major. */
  predictProbabilities(data: FeatureInput): Float32Array {
    const m = toFeatureMatrix(data, this.featureDim);
    const logits = fullyConnected(m.data, this.featureDim, m.rows, this.w, this.b, this.numClasses, new Float32Array(m.rows * this.numClasses));
    return softmaxRows(logits, m.rows, this.numClasses, logits);
  }

  /**
   * The embedding extractor (CPU or _edgetpu, as a Model or .tflite bytes) with this
   * classifier appended: FULLY_CONNECTED (+ RESHAPE for a 4-D embedding) + SOFTMAX, the
   * model's output becoming the [1, numClasses] softmax. The extractor is not modified.
   */
  serializeModel(extractor: Model | Uint8Array): Uint8Array {
    const model = modelFrom(extractor);
    const embedding = embeddingTensorOf(model);
    let range = this.logitRange;
    // Never trained: Coral writes an output scale of 0 (an invalid model). The largest
    // logits the weights can produce over the extractor's output range are a safe range.
    if (!range) range = logitBoundsFor(this.w, this.b, this.featureDim, embedding);
    appendClassifierHead(model, this.w, this.b, range[0], range[1]);
    return model.toBuffer();
  }

  toJSON(): SoftmaxRegressionJSON {
    return {
      format: JSON_FORMAT,
      version: 1,
      featureDim: this.featureDim,
      numClasses: this.numClasses,
      weightScale: this.weightScale,
      reg: this.reg,
      weights: Buffer.from(this.w.buffer, this.w.byteOffset, this.w.byteLength).toString('base64'),
      bias: Array.from(this.b),
      logitRange: this.logitRange,
      iterations: this.iterationsTrained,
      randomState: this.random.state,
    };
  }

  /** Restores a model saved with toJSON (an object or its JSON text). */
  static fromJSON(json: SoftmaxRegressionJSON | string): SoftmaxRegression {
    const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<SoftmaxRegressionJSON>;
    if (j?.format !== JSON_FORMAT || j.version !== 1) throw new InvalidTrainingDataError(`not a saved SoftmaxRegression (expected format '${JSON_FORMAT}' version 1)`);
    const model = new SoftmaxRegression({ featureDim: j.featureDim!, numClasses: j.numClasses!, weightScale: j.weightScale, reg: j.reg, seed: 0 });
    const bytes = Buffer.from(String(j.weights), 'base64');
    if (bytes.length !== model.w.byteLength) throw new InvalidTrainingDataError(`saved weights hold ${bytes.length} bytes, expected ${model.w.byteLength} for ${j.numClasses} × ${j.featureDim} float32`);
    model.w.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    if (!Array.isArray(j.bias) || j.bias.length !== model.numClasses) throw new InvalidTrainingDataError(`saved bias must hold ${model.numClasses} numbers`);
    model.b.set(j.bias);
    if (j.logitRange) [model.logitMin, model.logitMax] = j.logitRange;
    model.iterationsTrained = j.iterations ?? 0;
    if (j.randomState) model.random = new SeededRandom(j.randomState);
    return model;
  }

  private track(logits: Float32Array, n: number): void {
    let lo = this.logitMin;
    let hi = this.logitMax;
    for (let i = 0; i < n; i++) {
      const v = logits[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.logitMin = lo;
    this.logitMax = hi;
  }

  /** Index of the largest logit of row r (ties: first); `logits` is scratch of numClasses. */
  private argmaxRow(x: Float32Array, r: number, logits: Float32Array, track = false): number {
    const D = this.featureDim;
    let best = 0;
    for (let c = 0; c < this.numClasses; c++) {
      logits[c] = this.b[c]! + dot(x, r * D, this.w, c * D, D);
      if (logits[c]! > logits[best]!) best = c;
    }
    if (track) this.track(logits, this.numClasses);
    return best;
  }

  private accuracyOf(m: FeatureMatrix, labels: Int32Array, track = false): number {
    if (m.rows === 0) return Number.NaN;
    const logits = new Float32Array(this.numClasses);
    let correct = 0;
    for (let r = 0; r < m.rows; r++) if (this.argmaxRow(m.data, r, logits, track) === labels[r]) correct++;
    return correct / m.rows;
  }
}

function sumOfSquares(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

function printProgress(p: TrainingProgress): void {
  const val = p.valAccuracy === undefined ? '' : `, valid acc ${p.valAccuracy.toFixed(4)}`;
  process.stderr.write(`iteration ${p.iteration}: loss ${p.loss.toFixed(4)}, train acc ${p.trainAccuracy.toFixed(4)}${val}\n`);
}
