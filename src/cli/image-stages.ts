import type { ImageInputDetails, ResizeMethod } from '../image/index.js';
import type { EmbeddingExtractor } from '../learn/index.js';
import { withDeviceHint } from './device-hint.js';
import { evaluate, TOP_K, type Evaluation, type Prediction } from './evaluation.js';
import { mapImages } from './image-batches.js';
import { ModelRunner, rankScores } from './model-runner.js';
import type { Reporter } from './progress.js';

export interface StageOptions {
  resize: ResizeMethod;
  skipBad: boolean;
  reporter: Reporter;
}

/** An image left out because it could not be read. */
export interface SkippedImage {
  readonly path: string;
  readonly error: string;
}

function reportSkipped(reporter: Reporter, skipped: SkippedImage[]): (path: string, e: Error) => void {
  return (path, e) => {
    skipped.push({ path, error: e.message });
    if (reporter.json) reporter.event({ event: 'skipped', image: path, error: e.message });
    else reporter.warn(`skipped ${e.message}`);
  };
}

/** Embeddings of image files (undefined for skipped images), with a progress bar. */
export async function embedImages(
  extractor: EmbeddingExtractor,
  paths: readonly string[],
  options: StageOptions & { phase?: string },
): Promise<{ embeddings: (Float32Array | undefined)[]; skipped: SkippedImage[] }> {
  const skipped: SkippedImage[] = [];
  const bar = options.reporter.bar(options.phase ?? 'embedding', paths.length, 'images');
  const embeddings = await mapImages(paths, (tensors, onProgress) => extractor.embedBatch(tensors, { onProgress }), {
    input: extractor.input as ImageInputDetails,
    resize: options.resize,
    skipBad: options.skipBad,
    onBad: reportSkipped(options.reporter, skipped),
    onProgress: (done) => bar.update(done),
  });
  bar.finish();
  return { embeddings, skipped };
}

/** The first output (dequantized) of a model for each image file, with a progress bar. */
export async function scoreImages(
  model: Uint8Array,
  paths: readonly string[],
  options: StageOptions & { device: string; modelName: string; phase?: string },
): Promise<{ scores: (Float32Array | undefined)[]; skipped: SkippedImage[] }> {
  const skipped: SkippedImage[] = [];
  const runner = await withDeviceHint(options.modelName, () => ModelRunner.create(model, { device: options.device, inputs: paths.length }));
  try {
    const bar = options.reporter.bar(options.phase ?? 'classifying', paths.length, 'images');
    const scores = await mapImages(paths, (tensors, onProgress) => runner.run(tensors, onProgress), {
      input: runner.input as ImageInputDetails,
      resize: options.resize,
      skipBad: options.skipBad,
      onBad: reportSkipped(options.reporter, skipped),
      onProgress: (done) => bar.update(done),
    });
    bar.finish();
    return { scores, skipped };
  } finally {
    await runner.close();
  }
}

/** The best `k` ids and scores. */
export function topScores(scores: Float32Array, k = TOP_K): { id: number; score: number }[] {
  return rankScores(scores)
    .slice(0, k)
    .map((id) => ({ id, score: scores[id]! }));
}

/** Runs an exported classifier on labelled test images and scores it (class c is id firstId + c). */
export async function evaluateOnImages(
  model: Uint8Array,
  classNames: readonly string[],
  items: readonly { path: string; label: number }[],
  options: StageOptions & { device: string; modelName: string; firstId: number },
): Promise<{ evaluation: Evaluation; skipped: SkippedImage[] }> {
  const { scores, skipped } = await scoreImages(
    model,
    items.map((i) => i.path),
    { ...options, phase: 'testing' },
  );
  const predictions: Prediction[] = [];
  items.forEach((item, i) => {
    const s = scores[i];
    if (s) predictions.push({ path: item.path, label: item.label, top: topScores(s) });
  });
  return { evaluation: evaluate(classNames, predictions, options.firstId), skipped };
}
