/**
 * Last-layer backprop accuracy on cached embeddings: SoftmaxRegression with the settings of
 * Coral's example (examples/backprop_last_layer.py: weight scale 5e-2, 500 iterations of SGD,
 * learning rate 1e-2, batch 100), evaluated in float on the test embeddings and, uncentered,
 * also through the exported .tflite head run by our interpreter.
 */
import { SoftmaxRegression } from '../../src/learn/index.js';
import type { Model } from '../../src/tflite/index.js';
import { meanEmbedding, runHead, type EmbeddingSet, type Quantization } from './imprinting-eval.js';
import { rankOfLabel, topK } from './metrics.js';

export interface SgdSettings {
  numIter: number;
  learningRate: number;
  batchSize: number;
  weightScale: number;
}

export const CORAL_EXAMPLE_SGD: SgdSettings = { numIter: 500, learningRate: 1e-2, batchSize: 100, weightScale: 5e-2 };

export interface BackpropResult {
  centered: boolean;
  top1: number;
  top5: number;
  trainAccuracy: number;
  /** Top-1 of the exported uint8 .tflite head (uncentered only: the export has no centering step). */
  exportedTop1?: number;
  seconds: number;
}

/** Float rows (row-major) of uint8 embeddings, minus `center` when given. */
function features(set: EmbeddingSet, q: Quantization, center?: Float32Array): Float32Array {
  const dim = set.embeddings[0]!.length;
  const out = new Float32Array(set.embeddings.length * dim);
  set.embeddings.forEach((e, r) => {
    for (let d = 0; d < dim; d++) out[r * dim + d] = q.scale * (e[d]! - q.zeroPoint) - (center ? center[d]! : 0);
  });
  return out;
}

export async function evaluateBackprop(
  head: Model,
  q: Quantization,
  train: EmbeddingSet,
  test: EmbeddingSet,
  classes: number,
  centered: boolean,
  seed: number,
  sgd: SgdSettings = CORAL_EXAMPLE_SGD,
): Promise<BackpropResult> {
  const dim = train.embeddings[0]!.length;
  const center = centered ? meanEmbedding(train.embeddings, q) : undefined;
  const model = new SoftmaxRegression({ featureDim: dim, numClasses: classes, weightScale: sgd.weightScale, seed });
  const trained = await model.trainWithSgd({ dataTrain: features(train, q, center), labelsTrain: train.labels }, { numIter: sgd.numIter, learningRate: sgd.learningRate, batchSize: sgd.batchSize });
  const ranks = rankOfLabel(model.predictProbabilities(features(test, q, center)), test.labels, classes);
  const result: BackpropResult = { centered, top1: topK(ranks, 1), top5: topK(ranks, 5), trainAccuracy: trained.trainAccuracy, seconds: trained.seconds };
  if (!centered) {
    const { probabilities } = await runHead(model.serializeModel(head), test.embeddings, classes);
    result.exportedTop1 = topK(rankOfLabel(probabilities, test.labels, classes), 1);
  }
  return result;
}
