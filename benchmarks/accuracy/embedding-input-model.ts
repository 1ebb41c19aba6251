/**
 * A model whose input IS the embedding: one uint8 tensor with the extractor output's shape and
 * quantization, which is also its output. Given to ImprintingEngine.fromExtractor or to
 * SoftmaxRegression.serializeModel in place of the real extractor, it yields the trained head
 * alone. Fed with the extractor's cached uint8 output, that head computes the very bytes the
 * full model would (the head's operators only see that tensor), at a fraction of the cost:
 * test/learn/embedding-input-model.test.ts checks this on Coral's photos.
 */
import { Model, type Quantization, type TensorInfo } from '../../src/tflite/index.js';

export function embeddingInputModel(embedding: { readonly shape: readonly number[]; readonly quantization: Quantization | null }): Model {
  const q = embedding.quantization;
  if (!q) throw new RangeError('the embedding tensor has no quantization');
  const model = Model.create({ description: 'embedding input' });
  const g = model.subgraph(0);
  const t = g.addTensor({ name: 'embedding', shape: embedding.shape, dtype: 'uint8', quantization: { scale: q.scale, zeroPoint: q.zeroPoint } });
  g.setInputs([t]);
  g.setOutputs([t]);
  return model;
}

/** The output tensor of an extractor model (bytes or Model). */
export function embeddingTensor(extractor: Model | Uint8Array): TensorInfo {
  const m = extractor instanceof Model ? extractor : Model.fromBuffer(extractor);
  return m.subgraph(0).outputTensors[0]!;
}
