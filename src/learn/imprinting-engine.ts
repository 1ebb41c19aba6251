import { ClassIdError, InvalidTrainingDataError, NotTrainedError, SampleLimitError } from './errors.js';
import { ImprintingModel, type ClassToWrite } from './imprinting-model.js';
import { appendImprintingTail } from './imprinting-tail.js';
import { loadModelFrom, type ModelSource } from './model-input.js';

export interface ImprintingEngineOptions {
  /**
   * Keep the model's classes: base classes stay as they are (and cannot be trained),
   * imprinted ones (listed in the description) can be trained further. Default false:
   * start with no classes, as pycoral's keep_classes=False.
   */
  keepClasses?: boolean;
  /**
   * Most samples one class may be trained with, over its whole life (saved in the model,
   * so the count survives export and resume). Default: the limit stored in the model by a
   * previous export, else 200 (Coral's documented limit). Infinity removes it.
   */
  maxSamplesPerClass?: number;
}

export interface FromExtractorOptions {
  /**
   * The constant that multiplies cosine similarities into logits (Coral's model learns it
   * as `scale_factor`, starting from 10). Default 30: with MobileNet v1 embeddings, 10
   * leaves Coral's test photos at 0.84-0.87 confidence, 30 puts them above 0.99, as
   * Coral's tests expect of its trained model. With `center`, the default is 10: centered
   * cosines spread wider, and at 30 the head is over-confident and its uint8 output saturates
   * (benchmarks/accuracy: best calibration at 10 for every shot count).
   */
  scale?: number;
  /** A mean embedding to subtract before normalizing (see ImprintingTailOptions.center). */
  center?: Float32Array;
  maxSamplesPerClass?: number;
}

/** One class of the engine: a running sum of its embeddings and how it came to be. */
interface EngineClass {
  /** Σ embeddings (libcoral keeps exactly this); null for a stored row not yet touched. */
  sum: Float32Array | null;
  trainable: boolean;
  samples: number;
  /** The stored row and norm, reused byte for byte while the class is not trained again. */
  stored: { row: Uint8Array; norm: number } | null;
}

export const DEFAULT_MAX_SAMPLES_PER_CLASS = 200;
export const DEFAULT_IMPRINTING_SCALE = 30;
/** The default scale of a head that centers embeddings (see FromExtractorOptions.scale). */
export const DEFAULT_CENTERED_IMPRINTING_SCALE = 10;

/**
 * Weight imprinting (Qi et al., "Low-Shot Learning with Imprinted Weights"), as Coral's
 * ImprintingEngine: each class's row of the last 1x1 convolution is the normalized sum of
 * its (L2-normalized) embeddings. Trains one embedding at a time, exports a standard
 * .tflite whose training state pycoral can read and continue, and vice versa.
 *
 * Beyond pycoral: a per-class sample limit that persists in the model; rows of classes
 * not trained in this session (base classes, and imprinted classes loaded with
 * keepClasses) are written back byte for byte instead of being re-quantized, so saving
 * never shifts them; and fromExtractor() builds the imprinting head onto any extractor.
 */
export class ImprintingEngine {
  private readonly classes: EngineClass[];
  readonly maxSamplesPerClass: number;

  private constructor(
    private readonly model: ImprintingModel,
    keepClasses: boolean,
    maxSamplesPerClass: number,
  ) {
    this.maxSamplesPerClass = maxSamplesPerClass;
    this.classes = keepClasses
      ? model.storedClasses().map((c) => ({ sum: null, trainable: c.trainable, samples: c.samples, stored: { row: c.row, norm: c.norm } }))
      : [];
  }

  /**
   * An engine for a complete imprinting model (.tflite path, bytes or Model; CPU or
   * _edgetpu) ending in L2_NORMALIZATION → (QUANTIZE) → CONV_2D → MUL → RESHAPE → SOFTMAX.
   * Throws UnsupportedModelError, with Coral's message as `reason`, for other models.
   */
  static async create(model: ModelSource | string, options: ImprintingEngineOptions = {}): Promise<ImprintingEngine> {
    const imprinting = ImprintingModel.from(await loadModelFrom(model));
    const limit = checkedLimit(options.maxSamplesPerClass ?? imprinting.storedSampleLimit() ?? DEFAULT_MAX_SAMPLES_PER_CLASS);
    return new ImprintingEngine(imprinting, options.keepClasses ?? false, limit);
  }

  /**
   * An engine for any uint8 embedding extractor (CPU or _edgetpu): appends the imprinting
   * head (L2Norm, 1x1 Conv, Mul by `scale`, Reshape, Softmax) and starts with no classes.
   */
  static async fromExtractor(extractor: ModelSource | string, options: FromExtractorOptions = {}): Promise<ImprintingEngine> {
    const model = await loadModelFrom(extractor);
    appendImprintingTail(model, { scale: options.scale ?? (options.center ? DEFAULT_CENTERED_IMPRINTING_SCALE : DEFAULT_IMPRINTING_SCALE), center: options.center });
    model.setDescription('');
    const limit = checkedLimit(options.maxSamplesPerClass ?? DEFAULT_MAX_SAMPLES_PER_CLASS);
    return new ImprintingEngine(ImprintingModel.from(model), false, limit);
  }

  /** Length of the embeddings `train` takes (the L2Norm output size). */
  get embeddingDim(): number {
    return this.model.embeddingDim;
  }

  /** Number of classes: base classes kept plus imprinted ones. */
  get numClasses(): number {
    return this.classes.length;
  }

  /** The Mul constant: logits are scale × cosine similarity. */
  get scale(): number {
    return this.model.scaleFactor;
  }

  /** Samples trained into class `classId` (0 for base classes). */
  sampleCount(classId: number): number {
    return this.classes[classId]?.samples ?? 0;
  }

  /** Whether class `classId` can be trained: an imprinted class, or the next new id. */
  isTrainable(classId: number): boolean {
    return classId === this.classes.length || (this.classes[classId]?.trainable ?? false);
  }

  /**
   * Adds one embedding (the dequantized output of serializeExtractorModel(), length
   * embeddingDim) to class `classId`: an imprinted class, or the next new id (numClasses).
   * Throws (and changes nothing) for base classes, ids past the next one, and a class
   * that already has maxSamplesPerClass samples.
   */
  train(embedding: ArrayLike<number>, classId: number): void {
    const dim = this.embeddingDim;
    if (embedding.length !== dim) throw new InvalidTrainingDataError(`Invalid number of weights: the embedding has ${embedding.length} values, this model's have ${dim}.`);
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(embedding[i]!)) throw new InvalidTrainingDataError(`embedding value ${i} is ${embedding[i]}; embeddings must be finite numbers`);
    }
    const n = this.classes.length;
    if (!Number.isInteger(classId) || classId < 0) throw new ClassIdError(classId, `class id ${classId} is not a non-negative integer`);
    const existing = this.classes[classId];
    if (existing && !existing.trainable) {
      throw new ClassIdError(classId, `Cannot change the base model classes not trained with imprinting method! Class ${classId} is a base class; new classes start at ${n}.`);
    }
    if (classId > n) throw new ClassIdError(classId, `The class index of a new category is too large! Class ids are sequential: the next new class is ${n}.`);
    if ((existing?.samples ?? 0) >= this.maxSamplesPerClass) throw new SampleLimitError(classId, this.maxSamplesPerClass);

    const c = existing ?? { sum: new Float32Array(dim), trainable: true, samples: 0, stored: null };
    if (!existing) this.classes.push(c);
    // The running sum of a loaded class is rebuilt only now, when it changes.
    if (!c.sum) c.sum = this.model.sumOf({ row: c.stored!.row, trainable: true, norm: c.stored!.norm, samples: c.samples });
    const sum = c.sum;
    for (let i = 0; i < dim; i++) sum[i] = sum[i]! + embedding[i]!;
    c.samples++;
    c.stored = null;
  }

  /** The trained model (.tflite bytes): same format as pycoral's serialize_model(). */
  serializeModel(): Uint8Array {
    if (this.classes.length === 0) throw new NotTrainedError('Model is not trained. Train at least one class (engine.train(embedding, 0)) before serializing.');
    const rows: ClassToWrite[] = this.classes.map((c) => {
      if (c.stored) return { row: c.stored.row, trainable: c.trainable, norm: c.stored.norm, samples: c.samples };
      const { row, norm } = this.model.quantizeSum(c.sum!);
      return { row, trainable: true, norm, samples: c.samples };
    });
    return this.model.serialize(rows, this.maxSamplesPerClass);
  }

  /** The embedding extractor (.tflite bytes): the model up to the L2Norm output. */
  serializeExtractorModel(): Uint8Array {
    return this.model.extractorBytes();
  }
}

function checkedLimit(limit: number): number {
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) throw new RangeError(`maxSamplesPerClass must be a positive integer or Infinity, got ${limit}`);
  return limit;
}
