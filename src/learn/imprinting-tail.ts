import { fb, type Model } from '../tflite/index.js';
import { addQuantizedTensor, appendSoftmax, embeddingTensorOf } from './classifier-head.js';
import { InvalidTrainingDataError } from './errors.js';
import { dequantizeValue, quantizeToUint8, uint8QuantizationFor, type UInt8Quantization } from './quantization.js';

export interface ImprintingTailOptions {
  /** Logits are scale × cos(embedding, class row); larger means more confident softmax scores. */
  scale: number;
  /**
   * A mean embedding (in the extractor's output units) subtracted before the L2Norm, as a
   * SUB in the model. Embeddings of ReLU networks are all positive, so their cosines are
   * all high; centering spreads them out.
   */
  center?: Float32Array;
}

/** The kernel quantization of the tail: unit-norm rows live in [-1, 1), like the L2Norm output. */
export const TAIL_KERNEL_QUANTIZATION: UInt8Quantization = { scale: 1 / 128, zeroPoint: 128, min: -1, max: 1 };
const L2NORM_QUANTIZATION: UInt8Quantization = { scale: 1 / 128, zeroPoint: 128, min: -1, max: 1 };

/**
 * Appends Coral's imprinting head to an embedding extractor (CPU or _edgetpu, whose
 * custom op is left as it is): [RESHAPE to [1,1,1,D]] → [SUB mean] → L2_NORMALIZATION →
 * CONV_2D 1x1 (one placeholder class) → MUL by the constant scale → RESHAPE → SOFTMAX.
 * The result passes libcoral's validation, so pycoral can train it too.
 */
export function appendImprintingTail(model: Model, options: ImprintingTailOptions): void {
  const { scale, center } = options;
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`scale must be a finite number > 0, got ${scale}`);
  const embedding = embeddingTensorOf(model);
  const dim = embedding.shape[embedding.shape.length - 1]!;
  const g = model.subgraph(0);
  const eq: UInt8Quantization = { scale: embedding.quantization!.scale[0]!, zeroPoint: embedding.quantization!.zeroPoint[0]!, min: 0, max: 0 };
  eq.min = dequantizeValue(0, eq.scale, eq.zeroPoint);
  eq.max = dequantizeValue(255, eq.scale, eq.zeroPoint);
  const shape4 = [1, 1, 1, dim];

  let current = embedding.index;
  if (embedding.shape.length !== 4) {
    const out = addQuantizedTensor(g, { name: 'Imprinting/Embedding/Reshaped', shape: shape4, dtype: 'uint8' }, eq);
    const shapeTensor = g.addTensor({ name: 'Imprinting/Embedding/Shape', shape: [4], dtype: 'int32', data: Int32Array.from(shape4) });
    g.addOperator({ op: 'RESHAPE', inputs: [current, shapeTensor], outputs: [out], options: new fb.ReshapeOptionsT(shape4) });
    current = out;
  }

  if (center) {
    if (center.length !== dim) throw new InvalidTrainingDataError(`center has ${center.length} values; the embedding has ${dim}`);
    const meanBytes = quantizeToUint8(center, eq.scale, eq.zeroPoint);
    let lo = Infinity;
    let hi = -Infinity;
    for (const q of meanBytes) {
      const m = dequantizeValue(q, eq.scale, eq.zeroPoint);
      lo = Math.min(lo, m);
      hi = Math.max(hi, m);
    }
    const mean = addQuantizedTensor(g, { name: 'Imprinting/Center/Mean', shape: shape4, dtype: 'uint8', data: meanBytes }, eq);
    const outQ = nonZeroRange(eq.min - hi, eq.max - lo);
    const out = addQuantizedTensor(g, { name: 'Imprinting/Center/Output', shape: shape4, dtype: 'uint8' }, outQ);
    g.addOperator({ op: 'SUB', inputs: [current, mean], outputs: [out], options: new fb.SubOptionsT() });
    current = out;
  }

  const normalized = addQuantizedTensor(g, { name: 'Imprinting/L2Norm/Output', shape: shape4, dtype: 'uint8' }, L2NORM_QUANTIZATION);
  g.addOperator({ op: 'L2_NORMALIZATION', inputs: [current], outputs: [normalized], options: new fb.L2NormOptionsT() });

  const kq = TAIL_KERNEL_QUANTIZATION;
  const kernel = addQuantizedTensor(g, { name: 'Imprinting/Conv/Weights', shape: [1, 1, 1, dim], dtype: 'uint8', data: new Uint8Array(dim).fill(kq.zeroPoint) }, kq);
  const biasScale = Math.fround(L2NORM_QUANTIZATION.scale * kq.scale);
  const bias = addQuantizedTensor(g, { name: 'Imprinting/Conv/Bias', shape: [1], dtype: 'int32', data: new Int32Array(1) }, { scale: biasScale, zeroPoint: 0, min: 0, max: 0 });
  const convOut = addQuantizedTensor(g, { name: 'Imprinting/Conv/Output', shape: [1, 1, 1, 1], dtype: 'uint8' }, L2NORM_QUANTIZATION);
  const convOptions = new fb.Conv2DOptionsT();
  convOptions.padding = fb.Padding.SAME;
  convOptions.strideH = 1;
  convOptions.strideW = 1;
  g.addOperator({ op: 'CONV_2D', inputs: [normalized, kernel, bias], outputs: [convOut], options: convOptions });

  // The factor is stored as the byte 1 with scale `scale`: it dequantizes to exactly
  // `scale`, which is how libcoral and we read it back.
  const factor = addQuantizedTensor(g, { name: 'Imprinting/Scale', shape: [1], dtype: 'uint8', data: Uint8Array.of(1) }, { scale, zeroPoint: 0, min: 0, max: scale * 255 });
  const logitQ: UInt8Quantization = { scale: Math.fround(Math.fround(1 / 128) * scale), zeroPoint: 128, min: -scale, max: scale };
  const mulOut = addQuantizedTensor(g, { name: 'Imprinting/Mul/Output', shape: [1, 1, 1, 1], dtype: 'uint8' }, logitQ);
  g.addOperator({ op: 'MUL', inputs: [convOut, factor], outputs: [mulOut], options: new fb.MulOptionsT() });

  const reshapeShape = g.addTensor({ name: 'Imprinting/Reshape/Shape', shape: [2], dtype: 'int32', data: Int32Array.of(1, 1) });
  const logits = addQuantizedTensor(g, { name: 'Imprinting/Reshape/Output', shape: [1, 1], dtype: 'uint8' }, logitQ);
  g.addOperator({ op: 'RESHAPE', inputs: [mulOut, reshapeShape], outputs: [logits], options: new fb.ReshapeOptionsT([1, 1]) });
  appendSoftmax(g, logits, [1, 1]);
}

/** libcoral's uint8 parameters for a range widened to contain 0 (never scale 0). */
function nonZeroRange(min: number, max: number): UInt8Quantization {
  const q = uint8QuantizationFor(Math.min(0, min), Math.max(0, max));
  return q.scale > 0 ? q : uint8QuantizationFor(-1, 1);
}
