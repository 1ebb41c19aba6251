import type { ImageDataset } from '../data/index.js';
import { writeLabels } from '../data/index.js';
import { EdgeTpuLearnError } from '../errors.js';
import type { ResizeMethod } from '../image/index.js';
import { EmbeddingExtractor, SoftmaxRegression, type ExtractorDevice, type TrainingResult } from '../learn/index.js';
import { Model } from '../tflite/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CommandError, writeError } from './command-error.js';
import type { Evaluation } from './evaluation.js';
import { percent } from './evaluation.js';
import { withDeviceHint } from './device-hint.js';
import { extractorOf } from './extractor-model.js';
import { embedImages, evaluateOnImages, type SkippedImage } from './image-stages.js';
import type { Reporter } from './progress.js';
import type { TrainingCurve } from './report/index.js';
import { Timings } from './timings.js';

export interface BackpropJob {
  modelPath: string;
  modelName: string;
  train: ImageDataset;
  validation?: ImageDataset;
  test?: ImageDataset;
  output: string;
  labels: string;
  iterations: number;
  learningRate: number;
  batchSize: number;
  weightScale: number;
  seed: number;
  resize: ResizeMethod;
  device: ExtractorDevice;
  skipBad: boolean;
  reporter: Reporter;
}

export interface BackpropOutcome {
  classNames: readonly string[];
  trained: number[];
  validationImages: number;
  result: TrainingResult;
  curve: TrainingCurve;
  modelBytes: Uint8Array;
  evaluation?: Evaluation;
  skipped: SkippedImage[];
  timings: Timings;
}

/**
 * Last-layer training from start to end: embeddings of the training and validation images,
 * SoftmaxRegression trained by SGD (loss and accuracies reported as it goes), the extractor
 * with the new classifier exported, and the test images classified by the exported model.
 */
export async function runBackprop(job: BackpropJob): Promise<BackpropOutcome> {
  const { reporter } = job;
  const timings = new Timings();
  const classNames = job.train.classNames;
  if (classNames.length < 2) throw new CommandError('TOO_FEW_CLASSES', `backprop needs at least 2 classes; ${classNames.length === 1 ? `only '${classNames[0]}' was found` : 'none were found'}`);
  const extractorBytes = await timings.time('load model', async () => {
    const { bytes, note } = extractorOf(await Model.load(job.modelPath), job.modelName);
    if (note) reporter.status(note);
    return bytes;
  });

  const trainItems = job.train.items;
  const valItems = job.validation?.items ?? [];
  const skipped: SkippedImage[] = [];
  const extractor = await timings.time('load extractor', () => withDeviceHint(job.modelName, () => EmbeddingExtractor.create(extractorBytes, { device: job.device })));
  let embeddings: (Float32Array | undefined)[];
  try {
    reporter.status(`embedding ${trainItems.length} training${valItems.length ? ` and ${valItems.length} validation` : ''} images of ${classNames.length} classes`);
    const result = await timings.time('embed', () => embedImages(extractor, [...trainItems, ...valItems].map((i) => i.path), job));
    embeddings = result.embeddings;
    skipped.push(...result.skipped);
  } finally {
    await extractor.close();
  }
  const dim = extractor.embeddingDim;
  const rowsOf = (items: readonly { label: number }[], offset: number): { data: Float32Array[]; labels: number[] } => {
    const data: Float32Array[] = [];
    const labels: number[] = [];
    items.forEach((item, i) => {
      const e = embeddings[offset + i];
      if (e) {
        data.push(e);
        labels.push(item.label);
      }
    });
    return { data, labels };
  };
  const train = rowsOf(trainItems, 0);
  const val = rowsOf(valItems, trainItems.length);
  const trained = classNames.map(() => 0);
  for (const l of train.labels) trained[l]!++;
  const empty = trained.findIndex((n) => n === 0);
  if (empty >= 0) throw new CommandError('EMPTY_CLASS', `class '${classNames[empty]}' has no training image left (all were skipped or set aside): add images or remove the folder`);

  const model = new SoftmaxRegression({ featureDim: dim, numClasses: classNames.length, weightScale: job.weightScale, seed: job.seed });
  const curve = { iterations: [] as number[], loss: [] as number[], trainAccuracy: [] as number[], valAccuracy: val.data.length > 0 ? ([] as number[]) : undefined };
  const bar = reporter.bar('training', job.iterations, 'iterations');
  const printEvery = Math.max(1, Math.floor(job.iterations / 100));
  const result = await timings.time('train', () =>
    model.trainWithSgd(
      { dataTrain: train.data, labelsTrain: train.labels, ...(val.data.length > 0 ? { dataVal: val.data, labelsVal: val.labels } : {}) },
      {
        numIter: job.iterations,
        learningRate: job.learningRate,
        batchSize: job.batchSize,
        printEvery,
        onProgress: (p) => {
          curve.iterations.push(p.iteration);
          curve.loss.push(p.loss);
          curve.trainAccuracy.push(p.trainAccuracy);
          if (p.valAccuracy !== undefined) curve.valAccuracy?.push(p.valAccuracy);
          reporter.event({ event: 'train', iteration: p.iteration, loss: p.loss, trainAccuracy: p.trainAccuracy, ...(p.valAccuracy !== undefined ? { valAccuracy: p.valAccuracy } : {}) });
          bar.update(p.iteration + 1, trainingDetail(p.loss, p.trainAccuracy, p.valAccuracy));
        },
      },
    ),
  );
  if (curve.iterations.at(-1) !== result.iterations - 1 && result.iterations > 0) {
    curve.iterations.push(result.iterations - 1);
    curve.loss.push(result.loss);
    curve.trainAccuracy.push(result.trainAccuracy);
    if (result.valAccuracy !== undefined) curve.valAccuracy?.push(result.valAccuracy);
  }
  bar.update(result.iterations, trainingDetail(result.loss, result.trainAccuracy, result.valAccuracy));
  bar.finish();

  const modelBytes = model.serializeModel(extractorBytes);
  await timings.time('export', async () => {
    await writeFileAtomic(job.output, modelBytes).catch((e: unknown) => {
      throw writeError(job.output, e);
    });
    await writeLabels(job.labels, classNames).catch((e: unknown) => {
      throw e instanceof EdgeTpuLearnError ? e : writeError(job.labels, e);
    });
  });

  let evaluation: Evaluation | undefined;
  if (job.test && job.test.size > 0) {
    reporter.status(`classifying ${job.test.size} test images with the exported model`);
    const tested = await timings.time('test', () => evaluateOnImages(modelBytes, classNames, job.test!.items, { ...job, firstId: 0, modelName: job.output }));
    evaluation = tested.evaluation;
    skipped.push(...tested.skipped);
  }
  return { classNames, trained, validationImages: val.data.length, result, curve, modelBytes, evaluation, skipped, timings };
}

function trainingDetail(loss: number, trainAccuracy: number, valAccuracy: number | undefined): string {
  return `loss ${loss.toFixed(4)}  train ${percent(trainAccuracy)}${valAccuracy !== undefined ? `  val ${percent(valAccuracy)}` : ''}`;
}
