import { fb, type Model, type OperatorInfo, type Subgraph } from '../tflite/index.js';
import { setQuantizationRange } from './classifier-head.js';
import { UnsupportedModelError } from './errors.js';
import { decodeImprintingRecord, encodeImprintingRecord, formatFixed6, formatTrainingMetadata, IMPRINTING_METADATA_NAME, parseTrainingMetadata, samplesOf } from './imprinting-metadata.js';
import { l2NormalizeInPlace } from './l2-normalize.js';
import { dequantize, dequantizeValue, quantizeToUint8 } from './quantization.js';

const STRUCTURE_HINT =
  'ImprintingEngine.create() needs a classification model ending in L2_NORMALIZATION → (QUANTIZE) → CONV_2D → MUL → RESHAPE → SOFTMAX, ' +
  'such as mobilenet_v1_1.0_224_l2norm_quant.tflite; for any other embedding extractor use ImprintingEngine.fromExtractor().';

const TAIL = ['CONV_2D', 'MUL', 'RESHAPE', 'SOFTMAX'] as const;

/** A class of an imprinting model as stored in a .tflite. */
export interface StoredClass {
  /** The quantized kernel row (embeddingDim bytes). */
  row: Uint8Array;
  /** Imprinted (listed in the description) rather than a base-model class. */
  trainable: boolean;
  /** For imprinted classes: ‖Σ embeddings‖ from the description. */
  norm: number;
  /** For imprinted classes: samples trained so far (from our metadata, else estimated). */
  samples: number;
}

/** A class to write: its quantized row, and for imprinted classes the description values. */
export interface ClassToWrite {
  row: Uint8Array;
  trainable: boolean;
  norm: number;
  samples: number;
}

/**
 * A validated imprinting model: the operators of its tail and the quantization of its
 * kernel, as libcoral's ImprintingModel reads them. Never modifies the Model it holds;
 * every export starts from a copy.
 */
export class ImprintingModel {
  readonly embeddingDim: number;
  readonly kernelScale: number;
  readonly kernelZeroPoint: number;
  /** The Mul's constant: every logit is this × cos(embedding, class row). */
  readonly scaleFactor: number;
  private readonly l2norm: OperatorInfo;

  private constructor(private readonly model: Model) {
    const g = model.subgraph(0);
    const ops = g.operators;
    this.l2norm = ops.find((o) => o.op === 'L2_NORMALIZATION')!;
    const conv = ops[ops.length - 4]!;
    const mul = ops[ops.length - 3]!;
    const kernel = g.tensor(conv.inputs[1]!);
    this.embeddingDim = g.tensor(this.l2norm.outputs[0]!).shape[3]!;
    this.kernelScale = kernel.quantization!.scale[0]!;
    this.kernelZeroPoint = kernel.quantization!.zeroPoint[0]!;
    this.scaleFactor = mulScaleFactor(g, mul);
  }

  /** Validates `model` (which the ImprintingModel then owns: pass a copy). */
  static from(model: Model): ImprintingModel {
    validateImprintingModel(model);
    return new ImprintingModel(model);
  }

  /** Classes stored in the model: all kernel rows, imprinted ones listed in the description. */
  storedClasses(): StoredClass[] {
    const g = this.model.subgraph(0);
    const ops = g.operators;
    const kernel = g.tensorData(ops[ops.length - 4]!.inputs[1]!) as Uint8Array;
    const dim = this.embeddingDim;
    const metadata = parseTrainingMetadata(this.model.description);
    const record = decodeImprintingRecord(this.model.getMetadata(IMPRINTING_METADATA_NAME));
    const out: StoredClass[] = [];
    for (let i = 0; i < kernel.length / dim; i++) {
      const norm = metadata.get(i);
      out.push({
        row: kernel.slice(i * dim, (i + 1) * dim),
        trainable: norm !== undefined,
        norm: norm ?? 0,
        samples: norm === undefined ? 0 : samplesOf(i, norm, record),
      });
    }
    return out;
  }

  /** The sample limit recorded by a previous export of ours, if any. */
  storedSampleLimit(): number | undefined {
    const limit = decodeImprintingRecord(this.model.getMetadata(IMPRINTING_METADATA_NAME))?.maxSamplesPerClass;
    return limit === null ? Infinity : typeof limit === 'number' && limit >= 1 ? limit : undefined;
  }

  /** The running sum a stored row stands for: dequantized row × norm (libcoral's rule). */
  sumOf(stored: StoredClass): Float32Array {
    const v = dequantize(stored.row, this.kernelScale, this.kernelZeroPoint, new Float32Array(this.embeddingDim));
    if (stored.trainable) for (let i = 0; i < v.length; i++) v[i] = v[i]! * stored.norm;
    return v;
  }

  /** Normalizes a running sum and quantizes it with the kernel's parameters; returns the row and the norm. */
  quantizeSum(sum: Float32Array): { row: Uint8Array; norm: number } {
    const v = sum.slice();
    const norm = l2NormalizeInPlace(v);
    return { row: quantizeToUint8(v, this.kernelScale, this.kernelZeroPoint), norm };
  }

  /** The extractor: the model cut at the L2Norm output (the head's operators are dropped). */
  extractorBytes(): Uint8Array {
    const m = this.model.clone();
    m.cutAt(this.l2norm.outputs[0]!);
    return m.toBuffer();
  }

  /**
   * The model with `classes` as its classifier: libcoral's UpdateImprintingModel edits
   * (kernel, bias, conv/mul/reshape/softmax shapes and output quantization), the
   * description metadata, and our metadata entry.
   */
  serialize(classes: readonly ClassToWrite[], maxSamplesPerClass: number): Uint8Array {
    const model = this.model.clone();
    const g = model.subgraph(0);
    const ops = g.operators;
    const [conv, mul, reshape, softmax] = ops.slice(-4) as [OperatorInfo, OperatorInfo, OperatorInfo, OperatorInfo];
    const n = classes.length;
    const dim = this.embeddingDim;

    const kernel = new Uint8Array(n * dim);
    classes.forEach((c, i) => kernel.set(c.row, i * dim));
    const kernelIndex = conv.inputs[1]!;
    g.raw.tensors[kernelIndex]!.shape[0] = n;
    g.setTensorData(kernelIndex, kernel);

    // Every bias is the quantized 0, i.e. the zero point (libcoral memsets the zero point
    // into every byte, which is the same thing for the zero point 0 TFLite requires).
    const biasIndex = conv.inputs[2]!;
    const bias = g.tensor(biasIndex);
    g.raw.tensors[biasIndex]!.shape[0] = n;
    g.setTensorData(biasIndex, new Int32Array(n).fill(bias.quantization!.zeroPoint[0]!));

    const convOut = conv.outputs[0]!;
    setShapeAt(g, convOut, 3, n);
    setQuantization(g, convOut, -1, 1, 1 / 128, 128);

    const s = this.scaleFactor;
    const mulOut = mul.outputs[0]!;
    setShapeAt(g, mulOut, 3, n);
    setQuantization(g, mulOut, -s, s, Math.fround(Math.fround(1 / 128) * s), 128);

    const reshapeOut = reshape.outputs[0]!;
    setShapeAt(g, reshapeOut, g.tensor(reshapeOut).shape.length - 1, n);
    if (reshape.inputs.length >= 2 && reshape.inputs[1]! >= 0) {
      const shapeIndex = reshape.inputs[1]!;
      const shape = g.tensorData(shapeIndex);
      if (shape instanceof Int32Array && shape.length > 0) {
        const edited = shape.slice();
        edited[edited.length - 1] = n;
        g.setTensorData(shapeIndex, edited);
      }
    }
    const options = g.raw.operators[reshape.index]!.builtinOptions;
    if (options instanceof fb.ReshapeOptionsT && options.newShape.length > 0) options.newShape[options.newShape.length - 1] = n;
    setQuantization(g, reshapeOut, -s, s, Math.fround(Math.fround(1 / 128) * s), 128);

    const softmaxOut = softmax.outputs[0]!;
    setShapeAt(g, softmaxOut, 1, n);
    g.setOutputs([softmaxOut]);

    const metadata = new Map<number, number>();
    const counts: Record<string, { samples: number; norm: string }> = {};
    classes.forEach((c, i) => {
      if (!c.trainable) return;
      metadata.set(i, c.norm);
      counts[String(i)] = { samples: c.samples, norm: formatFixed6(c.norm) };
    });
    model.setDescription(formatTrainingMetadata(metadata));
    model.setMetadata(
      IMPRINTING_METADATA_NAME,
      encodeImprintingRecord({ embeddingDim: dim, maxSamplesPerClass: Number.isFinite(maxSamplesPerClass) ? maxSamplesPerClass : null, classes: counts }),
    );
    return model.toBuffer();
  }
}

/**
 * libcoral's ValidateImprintingModel, in its order and with its messages (`reason`), then
 * the checks libcoral leaves to chance (uint8 per-tensor kernel, constant Mul factor...).
 */
export function validateImprintingModel(model: Model): void {
  const g = model.subgraph(0);
  const ops = g.operators;
  const fail = (reason: string, hint = STRUCTURE_HINT): never => {
    throw new UnsupportedModelError(reason, hint);
  };
  const l2norms = ops.filter((o) => o.op === 'L2_NORMALIZATION');
  if (l2norms.length === 0) fail('Unsupported model architecture. Input model must have an L2Norm layer.');
  const names = ops.map((o) => o.op);
  if (ops.length < 4 || TAIL.some((op, k) => names[ops.length - 4 + k] !== op)) fail('The last 4 operators must be Conv2d, Mul, Reshape, Softmax');
  const convIndex = ops.length - 4;
  // Two L2Norms: libcoral's single-operator lookup gives -1, and this check fails.
  const l2Index = l2norms.length === 1 ? l2norms[0]!.index : -1;
  const gap = convIndex - l2Index;
  if (gap > 2 || gap < 1 || (gap === 2 && names[l2Index + 1] !== 'QUANTIZE')) {
    fail('Unsupported model architecture. L2Norm operator must be followed with the last Conv2d operator.');
  }
  const embedding = g.tensor(ops[l2Index]!.outputs[0]!);
  if (!matchShape(embedding.shape, [1, 1, 1, -1])) fail("Embedding extractor's output tensor should be [1, 1, 1, x]");
  const conv = ops[convIndex]!;
  if (conv.inputs.length < 3 || conv.inputs[2]! < 0) fail('The last Conv2d has no bias tensor; imprinting writes one bias per class.');
  const bias = g.tensor(conv.inputs[2]!);
  const biasZeroPoint = bias.quantization?.zeroPoint[0] ?? 0;
  if (biasZeroPoint < 0 || biasZeroPoint > 255) fail('bias_zero_point is out of [0, 255] range!');
  const softmax = ops[ops.length - 1]!;
  if (!matchShape(g.tensor(softmax.outputs[0]!).shape, [1, -1])) fail('Logit output tensor should be [1, x]');
  const outputs = g.outputs;
  if (outputs.length !== 1 || outputs[0] !== softmax.outputs[0]) fail('Graph must have output from Softmax');

  // What libcoral assumes without checking.
  const dim = embedding.shape[3]!;
  const kernel = g.tensor(conv.inputs[1]!);
  const kq = kernel.quantization;
  if (kernel.dtype !== 'uint8' || !kernel.isConstant || !kq || kq.scale.length !== 1) {
    fail(`The last Conv2d's kernel '${kernel.name}' must be constant uint8 with one quantization scale (it is ${kernel.dtype}${kq && kq.scale.length > 1 ? ', per-channel' : ''}).`, 'Only uint8 imprinting models are supported, as in Coral.');
  }
  if (kernel.shape.length !== 4 || kernel.shape[1] !== 1 || kernel.shape[2] !== 1 || kernel.shape[3] !== dim) {
    fail(`The last Conv2d's kernel has shape [${kernel.shape.join(', ')}]; expected [classes, 1, 1, ${dim}] (a 1x1 convolution over the embedding).`);
  }
  if (bias.dtype !== 'int32' || !bias.quantization) fail(`The last Conv2d's bias '${bias.name}' must be int32 and quantized.`);
  const mul = ops[convIndex + 1]!;
  const factor = mul.inputs[1] === undefined || mul.inputs[1] < 0 ? undefined : g.tensor(mul.inputs[1]);
  if (!factor || !factor.isConstant || factor.dtype !== 'uint8' || !factor.quantization) {
    fail('The Mul after the last Conv2d must multiply by a constant uint8 scale factor (its second input).');
  }
  if (mul.inputs[0] !== conv.outputs[0]) fail('The Mul must take the last Conv2d output as its first input.');
}

/** The Mul's scale factor: its constant's first byte, dequantized (libcoral reads it so). */
function mulScaleFactor(g: Subgraph, mul: OperatorInfo): number {
  const t = g.tensor(mul.inputs[1]!);
  const data = g.tensorData(t.index) as Uint8Array;
  return dequantizeValue(data[0]!, t.quantization!.scale[0]!, t.quantization!.zeroPoint[0]!);
}

function matchShape(shape: readonly number[], pattern: readonly number[]): boolean {
  return shape.length === pattern.length && pattern.every((p, i) => p < 0 || p === shape[i]);
}

function setShapeAt(g: Subgraph, index: number, axis: number, value: number): void {
  const shape = g.tensor(index).shape;
  shape[axis] = value;
  g.setTensorShape(index, shape);
}

function setQuantization(g: Subgraph, index: number, min: number, max: number, scale: number, zeroPoint: number): void {
  g.setTensorQuantization(index, { scale: [scale], zeroPoint: [zeroPoint] });
  setQuantizationRange(g, index, min, max);
}
