import { writeLabels, type ImageDataset } from '../data/index.js';
import { EdgeTpuLearnError } from '../errors.js';
import type { ResizeMethod } from '../image/index.js';
import { EmbeddingExtractor, ImprintingEngine, UnsupportedModelError, type ExtractorDevice } from '../learn/index.js';
import { Model } from '../tflite/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CommandError, writeError } from './command-error.js';
import { evaluate, type Evaluation, type Prediction } from './evaluation.js';
import { withDeviceHint } from './device-hint.js';
import { extractorOf } from './extractor-model.js';
import { embedImages, evaluateOnImages, type SkippedImage } from './image-stages.js';
import type { Reporter } from './progress.js';
import { Timings } from './timings.js';

/** Training data given as images (embedded here) or as embeddings computed before. */
export type ImprintData =
  | { kind: 'images'; train: ImageDataset; test?: ImageDataset }
  | { kind: 'embeddings'; classNames: readonly string[]; train: EmbeddedItem[]; test?: EmbeddedItem[] };

export interface EmbeddedItem {
  readonly path: string;
  readonly label: number;
  readonly embedding: Float32Array;
}

export interface ImprintJob {
  /** The model file, and how the user named it. */
  modelPath: string;
  modelName: string;
  data: ImprintData;
  output: string;
  labels: string;
  keepClasses: boolean;
  /** Labels of the kept classes (written into the label file too). */
  baseLabels?: ReadonlyMap<number, string>;
  scale?: number;
  maxSamples?: number;
  resize: ResizeMethod;
  device: ExtractorDevice;
  skipBad: boolean;
  reporter: Reporter;
}

export interface ImprintOutcome {
  /** 'imprinting' when the model was an imprinting model, 'extractor' when the head was appended. */
  modelKind: 'imprinting' | 'extractor';
  /** Classes the model had before (kept), so new class c has id numBase + c. */
  numBase: number;
  classNames: readonly string[];
  /** Training images (or embeddings) that went into each new class. */
  trained: number[];
  scale: number;
  modelBytes: Uint8Array;
  evaluation?: Evaluation;
  /** How the test set was scored: the exported model on the images, or the embeddings in float. */
  evaluatedOn?: 'model' | 'embeddings';
  skipped: SkippedImage[];
  timings: Timings;
}

/**
 * Imprinting from start to end: the engine for the model (Coral's imprinting model, or any
 * extractor with the imprinting head appended), embeddings of the training images, one new
 * class per dataset class, the model and label file written, and the test images classified
 * by the exported model.
 */
export async function runImprint(job: ImprintJob): Promise<ImprintOutcome> {
  const { reporter, data } = job;
  const timings = new Timings();
  const { engine, modelKind } = await timings.time('load model', () => createEngine(job));
  const numBase = engine.numClasses;
  const classNames = data.kind === 'images' ? data.train.classNames : data.classNames;
  const trainItems = data.kind === 'images' ? data.train.items : data.train;
  const skipped: SkippedImage[] = [];

  const perClass = classNames.map(() => 0);
  for (const item of trainItems) perClass[item.label]!++;
  const room = engine.maxSamplesPerClass;
  perClass.forEach((n, c) => {
    if (n > room) {
      throw new CommandError(
        'SAMPLE_LIMIT',
        `class '${classNames[c]}' has ${n} training images, more than the ${room} samples a class may hold: pass --max-samples ${n} (or more), or use fewer images`,
      );
    }
  });

  // Embeddings, in the order of trainItems.
  let embeddings: (Float32Array | undefined)[];
  if (data.kind === 'images') {
    const extractor = await timings.time('load extractor', () => withDeviceHint(job.modelName, () => EmbeddingExtractor.create(engine.serializeExtractorModel(), { device: job.device })));
    try {
      reporter.status(`embedding ${trainItems.length} training image${trainItems.length === 1 ? '' : 's'} of ${classNames.length} classes`);
      const result = await timings.time('embed', () => embedImages(extractor, trainItems.map((i) => i.path), job));
      embeddings = result.embeddings;
      skipped.push(...result.skipped);
    } finally {
      await extractor.close();
    }
  } else {
    embeddings = data.train.map((item) => {
      if (item.embedding.length !== engine.embeddingDim) {
        throw new CommandError('EMBEDDINGS', `the embeddings have ${item.embedding.length} values, but ${job.modelName} makes ${engine.embeddingDim}: embed the images with the same model`);
      }
      return l2Normalized(item.embedding);
    });
  }

  const trained = classNames.map(() => 0);
  await timings.time('imprint', () => {
    trainItems.forEach((item, i) => {
      const e = embeddings[i];
      if (!e) return;
      engine.train(e, numBase + item.label);
      trained[item.label]!++;
    });
  });
  const empty = trained.findIndex((n) => n === 0);
  if (empty >= 0) throw new CommandError('EMPTY_CLASS', `class '${classNames[empty]}' has no training image left (all were skipped): add images or remove the folder`);

  const modelBytes = engine.serializeModel();
  await timings.time('export', async () => {
    await writeFileAtomic(job.output, modelBytes).catch((e: unknown) => {
      throw writeError(job.output, e);
    });
    const labels = new Map<number, string>(job.baseLabels ? [...job.baseLabels].filter(([id]) => id < numBase) : []);
    classNames.forEach((name, c) => labels.set(numBase + c, name));
    await writeLabels(job.labels, labels).catch((e: unknown) => {
      throw e instanceof EdgeTpuLearnError ? e : writeError(job.labels, e);
    });
  });

  let evaluation: Evaluation | undefined;
  let evaluatedOn: ImprintOutcome['evaluatedOn'];
  if (data.kind === 'images' && data.test && data.test.size > 0) {
    reporter.status(`classifying ${data.test.size} test image${data.test.size === 1 ? '' : 's'} with the exported model`);
    const result = await timings.time('test', () => evaluateOnImages(modelBytes, classNames, data.test!.items, { ...job, firstId: numBase, modelName: job.output }));
    evaluation = result.evaluation;
    evaluatedOn = 'model';
    skipped.push(...result.skipped);
  } else if (data.kind === 'embeddings' && data.test && data.test.length > 0) {
    evaluation = await timings.time('test', () => evaluateEmbeddings(classNames, data.train, data.test!, engine.scale));
    evaluatedOn = 'embeddings';
  }
  return { modelKind, numBase, classNames, trained, scale: engine.scale, modelBytes, evaluation, evaluatedOn, skipped, timings };
}

async function createEngine(job: ImprintJob): Promise<{ engine: ImprintingEngine; modelKind: ImprintOutcome['modelKind'] }> {
  const model = await Model.load(job.modelPath);
  const hasL2Norm = model.subgraph(0).operators.some((o) => o.op === 'L2_NORMALIZATION');
  const limit = job.maxSamples !== undefined ? { maxSamplesPerClass: job.maxSamples } : {};
  if (hasL2Norm) {
    const engine = await ImprintingEngine.create(model, { keepClasses: job.keepClasses, ...limit });
    if (job.scale !== undefined) job.reporter.warn(`--scale is for extractors: ${job.modelName} is an imprinting model and keeps its own scale (${engine.scale})`);
    return { engine, modelKind: 'imprinting' };
  }
  if (job.keepClasses) {
    throw new CommandError(
      'KEEP_CLASSES',
      `--keep-classes needs an imprinting model (one ending in L2_NORMALIZATION, CONV_2D, MUL, RESHAPE, SOFTMAX, such as a model 'edgetpu-learn imprint' wrote); ${job.modelName} has no L2_NORMALIZATION`,
    );
  }
  const { bytes, note } = extractorOf(model, job.modelName);
  if (note) job.reporter.status(note);
  try {
    return { engine: await ImprintingEngine.fromExtractor(bytes, { ...(job.scale !== undefined ? { scale: job.scale } : {}), ...limit }), modelKind: 'extractor' };
  } catch (e) {
    if (e instanceof UnsupportedModelError) throw new CommandError('UNSUPPORTED_MODEL', `${job.modelName}: ${e.message}`, { cause: e });
    throw e;
  }
}

function l2Normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return n > 0 ? v.map((x) => x / n) : v.slice();
}

/**
 * Scores test embeddings the way the imprinted classifier does, in float: each class's row is
 * its normalized sum of normalized embeddings, logits are scale × cosine, then a softmax.
 */
function evaluateEmbeddings(classNames: readonly string[], train: readonly EmbeddedItem[], test: readonly EmbeddedItem[], scale: number): Evaluation {
  const dim = train[0]!.embedding.length;
  const rows = classNames.map(() => new Float32Array(dim));
  for (const item of train) {
    const e = l2Normalized(item.embedding);
    const row = rows[item.label]!;
    for (let i = 0; i < dim; i++) row[i] = row[i]! + e[i]!;
  }
  const unit = rows.map(l2Normalized);
  const predictions: Prediction[] = test.map((item) => {
    const e = l2Normalized(item.embedding);
    const logits = unit.map((row) => {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += row[i]! * e[i]!;
      return scale * dot;
    });
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    const top = exps.map((x, id) => ({ id, score: x / sum })).sort((a, b) => b.score - a.score || a.id - b.id);
    return { path: item.path, label: item.label, top };
  });
  return evaluate(classNames, predictions, 0);
}
