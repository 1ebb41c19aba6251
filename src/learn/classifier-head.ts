import { fb, type Model, type Subgraph, type TensorInfo } from '../tflite/index.js';
import { UnsupportedModelError } from './errors.js';
import { dequantizeValue, quantizeToInt32, quantizeToUint8, uint8QuantizationFor, type UInt8Quantization } from './quantization.js';

/** Names Coral gives the appended tensors (kept, so the files look alike). */
export const HEAD_TENSOR_NAMES = {
  weights: 'Appended/FC/Weights',
  bias: 'Appended/FC/Bias',
  fcOutput: 'Appended/FC/Output',
  reshapeOutput: 'Imprinting/Reshape/Output',
  softmaxOutput: 'Imprinting/Softmax/Output',
} as const;

/** uint8 softmax output: TFLite requires scale 1/256 and zero point 0. */
export const SOFTMAX_OUTPUT_QUANTIZATION: UInt8Quantization = { scale: 1 / 256, zeroPoint: 0, min: 0, max: 1 };

/**
 * The embedding tensor of an extractor: its single output, uint8 with per-tensor
 * quantization. Checks what libcoral checks (one subgraph, one output) and what it
 * silently assumes (uint8, quantized).
 */
export function embeddingTensorOf(model: Model): TensorInfo {
  const subgraphs = model.subgraphs.length;
  if (subgraphs !== 1) throw new UnsupportedModelError(`Model must have one and only one subgraph. Actual: ${subgraphs}.`, 'Give an embedding extractor with a single subgraph.');
  const g = model.subgraph(0);
  if (g.outputs.length !== 1) throw new UnsupportedModelError(`Model must have one and only one output. Actual: ${g.outputs.length}.`, 'Give an embedding extractor whose only output is the embedding.');
  const t = g.tensor(g.outputs[0]!);
  if (t.dtype !== 'uint8' || !t.quantization || t.quantization.scale.length !== 1) {
    throw new UnsupportedModelError(
      `The embedding output '${t.name}' is ${t.dtype}${t.quantization ? '' : ' without quantization'}; a uint8 output with one quantization scale is required.`,
      'Use a uint8-quantized extractor, as Coral compiles for the Edge TPU.',
    );
  }
  if (t.shape.length < 2 || t.shape.slice(0, -1).some((d) => d !== 1)) {
    throw new UnsupportedModelError(`The embedding output '${t.name}' has shape [${t.shape.join(', ')}]; expected [1, D] or [1, 1, 1, D].`);
  }
  return t;
}

/**
 * The smallest and largest logits that w·e + b can reach for any embedding e the
 * extractor can output (each element within its uint8 range).
 */
export function logitBoundsFor(w: Float32Array, b: Float32Array, dim: number, embedding: TensorInfo): [number, number] {
  const q = embedding.quantization!;
  const lo = dequantizeValue(0, q.scale[0]!, q.zeroPoint[0]!);
  const hi = dequantizeValue(255, q.scale[0]!, q.zeroPoint[0]!);
  let min = 0;
  let max = 0;
  for (let c = 0; c < b.length; c++) {
    let cmin = b[c]!;
    let cmax = b[c]!;
    for (let d = 0; d < dim; d++) {
      const x = w[c * dim + d]!;
      cmin += Math.min(x * lo, x * hi);
      cmax += Math.max(x * lo, x * hi);
    }
    min = Math.min(min, cmin);
    max = Math.max(max, cmax);
  }
  return [min, max];
}

/**
 * Appends a trained classifier to an embedding extractor, as libcoral's
 * AppendFullyConnectedAndSoftmaxLayerToModel: FULLY_CONNECTED (uint8 weights [C, D],
 * int32 bias) → RESHAPE to [1, C] when the embedding is not 2-D → SOFTMAX, with Coral's
 * quantization: weights and output over their range widened to contain 0, bias scale =
 * embedding scale × weight scale. The softmax output becomes the model's only output.
 * Edits `model` in place; existing operators (an edgetpu-custom-op included) are untouched.
 */
export function appendClassifierHead(model: Model, weights: Float32Array, bias: Float32Array, outMin: number, outMax: number): void {
  const embedding = embeddingTensorOf(model);
  const dim = embedding.shape[embedding.shape.length - 1]!;
  const classes = bias.length;
  if (weights.length !== classes * dim) throw new RangeError(`${weights.length} weights for ${classes} classes of an embedding of ${dim}: expected ${classes * dim}`);
  const g = model.subgraph(0);

  const wq = nonDegenerate(uint8QuantizationFor(Math.min(0, minOf(weights)), Math.max(0, maxOf(weights))));
  const bMin = Math.min(0, minOf(bias));
  const bMax = Math.max(0, maxOf(bias));
  const bScale = Math.fround(embedding.quantization!.scale[0]! * wq.scale);
  const oq = nonDegenerate(uint8QuantizationFor(Math.min(0, outMin), Math.max(0, outMax)));

  const weightsIndex = addQuantizedTensor(g, { name: HEAD_TENSOR_NAMES.weights, shape: [classes, dim], dtype: 'uint8', data: quantizeToUint8(weights, wq.scale, wq.zeroPoint) }, wq);
  const biasIndex = addQuantizedTensor(g, { name: HEAD_TENSOR_NAMES.bias, shape: [classes], dtype: 'int32', data: quantizeToInt32(bias, bScale, 0) }, { scale: bScale, zeroPoint: 0, min: bMin, max: bMax });
  // FULLY_CONNECTED (keep_num_dims false) flattens its input to [1, D] and outputs [1, C].
  // libcoral declares [1, 1, 1, C] for a 4-D embedding, which TFLite silently resizes but a
  // runtime that trusts declared shapes rejects: declare what is computed.
  const shape = [1, classes];
  const fcOutput = addQuantizedTensor(g, { name: HEAD_TENSOR_NAMES.fcOutput, shape, dtype: 'uint8' }, oq);
  g.addOperator({ op: 'FULLY_CONNECTED', inputs: [embedding.index, weightsIndex, biasIndex], outputs: [fcOutput], options: new fb.FullyConnectedOptionsT() });

  let logits = fcOutput;
  // Coral appends a RESHAPE for rank-4 embeddings (a no-op on [1, C], kept so the tail has
  // Coral's structure); we do the same for any rank other than 2.
  if (embedding.shape.length !== 2) {
    logits = addQuantizedTensor(g, { name: HEAD_TENSOR_NAMES.reshapeOutput, shape, dtype: 'uint8' }, oq);
    const options = new fb.ReshapeOptionsT();
    options.newShape = shape.slice();
    g.addOperator({ op: 'RESHAPE', inputs: [fcOutput], outputs: [logits], options });
  }
  appendSoftmax(g, logits, shape.slice());
}

/** Appends SOFTMAX (beta 1, uint8 output 1/256, 0) after `logits` and makes it the only output. */
export function appendSoftmax(g: Subgraph, logits: number, shape: number[]): number {
  const out = addQuantizedTensor(g, { name: HEAD_TENSOR_NAMES.softmaxOutput, shape, dtype: 'uint8' }, SOFTMAX_OUTPUT_QUANTIZATION);
  // beta 0 (the schema default) would make TFLite's quantized softmax fail to prepare.
  g.addOperator({ op: 'SOFTMAX', inputs: [logits], outputs: [out], options: new fb.SoftmaxOptionsT(1) });
  g.setOutputs([out]);
  return out;
}

/** addTensor with per-tensor uint8/int32 quantization, recording min/max as Coral does. */
export function addQuantizedTensor(g: Subgraph, spec: Parameters<Subgraph['addTensor']>[0], q: UInt8Quantization): number {
  const index = g.addTensor({ ...spec, quantization: { scale: [q.scale], zeroPoint: [q.zeroPoint] } });
  setQuantizationRange(g, index, q.min, q.max);
  return index;
}

/** Records the float range of a tensor's quantization (informative; TFLite ignores it). */
export function setQuantizationRange(g: Subgraph, index: number, min: number, max: number): void {
  const q = g.raw.tensors[index]!.quantization;
  if (!q) return;
  q.min = [Math.fround(min)];
  q.max = [Math.fround(max)];
}

/**
 * A [0, 0] range (all-zero weights, or an output that never moved) gives scale 0 in
 * libcoral, which no runtime accepts. Any scale represents zeros exactly: use [-1, 1].
 */
function nonDegenerate(q: UInt8Quantization): UInt8Quantization {
  return q.scale > 0 ? q : uint8QuantizationFor(-1, 1);
}

function minOf(a: Float32Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! < m) m = a[i]!;
  return m;
}

function maxOf(a: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}
