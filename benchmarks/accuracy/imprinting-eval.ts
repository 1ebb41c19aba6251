/**
 * Imprinting accuracy on cached embeddings, through the real models: ImprintingEngine built on
 * the embedding-input model (the head alone), trained with the outputs of its own extractor
 * part ([SUB mean] → L2Norm, run by our interpreter), serialized, and the serialized head run
 * by our interpreter on every test embedding. The scores are the bytes a user of the full
 * .tflite would get.
 */
import { Interpreter } from '../../src/interpreter/index.js';
import { ImprintingEngine } from '../../src/learn/index.js';
import { Model, type TypedArray } from '../../src/tflite/index.js';
import { calibration, logSoftmax, rankOfLabel, topK, type Calibration } from './metrics.js';

/** Embeddings as the extractor's uint8 output bytes, with their labels. */
export interface EmbeddingSet {
  embeddings: readonly Uint8Array[];
  labels: readonly number[];
}

export interface Quantization {
  scale: number;
  zeroPoint: number;
}

/** What is subtracted from the embeddings before the L2Norm (fromExtractor's `center`). */
export type Centering = 'none' | 'train' | 'pool';

export interface ImprintingResult {
  scale: number;
  centering: Centering;
  /** From the model's uint8 softmax output, ties to the lower class id. */
  top1: number;
  top5: number;
  /** Top-5 from the logits (the softmax's input), which the uint8 softmax output's saturation at 0 does not tie. */
  logitTop5: number;
  /** Top-1 with float64 class rows and cosines over the same L2Norm outputs: what the head's quantization costs. */
  floatTop1: number;
  calibration: Calibration;
}

const dequantized = (q: TypedArray, quant: Quantization | null, out: Float32Array, at: number): void => {
  const s = quant?.scale ?? 1;
  const z = quant?.zeroPoint ?? 0;
  for (let i = 0; i < q.length; i++) out[at + i] = s * (Number(q[i]!) - z);
};

const quantOf = (t: { quantization: { scale: ArrayLike<number>; zeroPoint: ArrayLike<number> } | null }): Quantization | null =>
  t.quantization ? { scale: t.quantization.scale[0]!, zeroPoint: t.quantization.zeroPoint[0]! } : null;

/** The float mean of the given uint8 embeddings. */
export function meanEmbedding(embeddings: readonly Uint8Array[], q: Quantization): Float32Array {
  const dim = embeddings[0]!.length;
  const sum = new Float64Array(dim);
  for (const e of embeddings) for (let d = 0; d < dim; d++) sum[d]! += q.scale * (e[d]! - q.zeroPoint);
  return Float32Array.from(sum, (v) => v / embeddings.length);
}

/**
 * Trains one head per scale on `train` and evaluates each on `test`, for `classes` classes.
 * Centering: none, on the mean of the training embeddings, or on `poolMean` (the mean of a
 * larger set of unlabeled images).
 */
export async function evaluateImprinting(
  head: Model,
  embeddingQuantization: Quantization,
  train: EmbeddingSet,
  test: EmbeddingSet,
  classes: number,
  scales: readonly number[],
  centering: Centering,
  poolMean?: Float32Array,
): Promise<ImprintingResult[]> {
  const center = centering === 'train' ? meanEmbedding(train.embeddings, embeddingQuantization) : centering === 'pool' ? poolMean : undefined;
  if (centering === 'pool' && !poolMean) throw new Error('pool centering needs poolMean');
  // The engine's extractor part ([SUB] → L2Norm) does not depend on the scale: run it once.
  const probe = await ImprintingEngine.fromExtractor(head, { center, maxSamplesPerClass: Infinity });
  const extractor = Interpreter.fromModel(Model.fromBuffer(probe.serializeExtractorModel()));
  const normalizedQ = quantOf(extractor.outputs[0]!);
  const dim = probe.embeddingDim;
  const trainNormalized = train.embeddings.map((e) => {
    const out = new Float32Array(dim);
    dequantized(extractor.runSync([e])[0]!, normalizedQ, out, 0);
    return out;
  });
  const testNormalized = new Float32Array(test.embeddings.length * dim);
  test.embeddings.forEach((e, r) => dequantized(extractor.runSync([e])[0]!, normalizedQ, testNormalized, r * dim));
  await extractor.close();
  const floatTop1 = floatImprintingTop1(trainNormalized, train.labels, testNormalized, test.labels, classes, dim);

  const results: ImprintingResult[] = [];
  for (const scale of scales) {
    const engine = await ImprintingEngine.fromExtractor(head, { scale, center, maxSamplesPerClass: Infinity });
    trainNormalized.forEach((e, i) => engine.train(e, train.labels[i]!));
    const { probabilities, logits } = await runHead(engine.serializeModel(), test.embeddings, classes);
    const ranks = rankOfLabel(probabilities, test.labels, classes);
    results.push({
      scale,
      centering,
      top1: topK(ranks, 1),
      top5: topK(ranks, 5),
      logitTop5: topK(rankOfLabel(logits, test.labels, classes), 5),
      floatTop1,
      calibration: calibration(probabilities, logSoftmax(logits, classes), test.labels, classes),
    });
  }
  return results;
}

/**
 * Runs a serialized head on each embedding; returns the softmax output and the logits (the
 * softmax's input, made a second model output), dequantized, rows × classes.
 */
export async function runHead(modelBytes: Uint8Array, embeddings: readonly Uint8Array[], classes: number): Promise<{ probabilities: Float32Array; logits: Float32Array }> {
  const model = Model.fromBuffer(modelBytes);
  const g = model.subgraph(0);
  const softmax = g.operators.at(-1)!;
  if (softmax.op !== 'SOFTMAX') throw new Error(`the head ends in ${softmax.op}, not SOFTMAX`);
  g.setOutputs([softmax.outputs[0]!, softmax.inputs[0]!]);
  const interpreter = Interpreter.fromModel(model);
  const [pq, lq] = interpreter.outputs.map(quantOf);
  const probabilities = new Float32Array(embeddings.length * classes);
  const logits = new Float32Array(embeddings.length * classes);
  embeddings.forEach((e, r) => {
    const [p, l] = interpreter.runSync([e]);
    dequantized(p!, pq!, probabilities, r * classes);
    dequantized(l!, lq!, logits, r * classes);
  });
  await interpreter.close();
  return { probabilities, logits };
}

/** Imprinting in float64 on the given (normalized) embeddings: class rows = normalized sums; prediction = largest cosine. */
function floatImprintingTop1(train: readonly Float32Array[], trainLabels: readonly number[], test: Float32Array, testLabels: readonly number[], classes: number, dim: number): number {
  const rows = Array.from({ length: classes }, () => new Float64Array(dim));
  train.forEach((e, i) => {
    const row = rows[trainLabels[i]!]!;
    for (let d = 0; d < dim; d++) row[d]! += e[d]!;
  });
  for (const row of rows) {
    const n = Math.hypot(...row) || 1;
    for (let d = 0; d < dim; d++) row[d]! /= n;
  }
  let correct = 0;
  for (let r = 0; r < testLabels.length; r++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += rows[c]![d]! * test[r * dim + d]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best === testLabels[r]) correct++;
  }
  return correct / testLabels.length;
}
