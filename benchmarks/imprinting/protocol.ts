/**
 * Coral's imprinting benchmark (pycoral benchmarks/imprinting_benchmarks.py), shared by every
 * runner: 10 classes × 20 random 224×224 RGB images, created before the clock starts; then,
 * timed, for each image: extract its embedding and train it into its class; then one
 * serializeModel(). The engine and the extractor are created before the clock, and there is
 * no warm-up, as in Coral's script (so the first extraction is a cold one).
 */
import { createHash } from 'node:crypto';
import { ImprintingEngine } from '../../src/learn/index.js';
import { seededRandom } from '../../src/data/index.js';

export const CLASSES = 10;
export const IMAGES_PER_CLASS = 20;
/** Coral seeds numpy with 12345; numpy's generator is not reproduced, only the seed is kept. */
export const SEED = 12345;
/** Coral's published x86_64 figure for the whole protocol on the Edge TPU (pycoral reference CSV). */
export const CORAL_X86_EDGETPU_MS = 810;
/** The legacy edgetpu API's x86_64 figure for 10 × 20 images with the CPU model (seconds in its CSV). */
export const CORAL_X86_CPU_LEGACY_MS = 9210;

/** The extractor in the Coral test data that the benchmark uses by default. */
export const DEFAULT_EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite';

/** CLASSES × IMAGES_PER_CLASS images of uniformly random bytes, class after class. */
export function randomImages(bytesPerImage: number, seed = SEED): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: CLASSES * IMAGES_PER_CLASS }, () => {
    const image = new Uint8Array(bytesPerImage);
    for (let i = 0; i < image.length; i++) image[i] = Math.floor(random() * 256);
    return image;
  });
}

export const classOf = (image: number): number => Math.floor(image / IMAGES_PER_CLASS);

/** What one runner measured, in milliseconds; printed as one JSON line. */
export interface ProtocolResult {
  runner: string;
  images: number;
  /** Extraction time of each image (for a batch: the batch time spread evenly). */
  extractMs: number[];
  /** Whether the embeddings were extracted in one batch (so there is no first-image time). */
  batched: boolean;
  /** engine.train time of each image. */
  trainMs: number[];
  serializeMs: number;
  /** Wall time from the first extraction to the end of serializeModel. */
  totalMs: number;
  modelBytes: number;
  /** SHA-256 of the serialized model: every runner should produce the same bytes. */
  modelSha256: string;
  /** How the extraction ran (threads, workers). */
  detail: string;
}

/**
 * Runs the timed part one image at a time: `extract` returns the float embedding of one
 * input (the extractor's dequantized output, as pycoral's classify.get_scores).
 */
export async function runSequential(
  runner: string,
  detail: string,
  engine: ImprintingEngine,
  images: readonly Uint8Array[],
  extract: (input: Uint8Array) => Float32Array | Promise<Float32Array>,
): Promise<ProtocolResult> {
  const extractMs: number[] = [];
  const trainMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < images.length; i++) {
    const t0 = performance.now();
    const embedding = await extract(images[i]!);
    const t1 = performance.now();
    engine.train(embedding, classOf(i));
    trainMs.push(performance.now() - t1);
    extractMs.push(t1 - t0);
  }
  const t2 = performance.now();
  const model = engine.serializeModel();
  const end = performance.now();
  return { runner, images: images.length, extractMs, batched: false, trainMs, serializeMs: end - t2, totalMs: end - start, modelBytes: model.length, modelSha256: sha256(model), detail };
}

/** Runs the timed part with all embeddings extracted in one batch, then trained. */
export async function runBatched(
  runner: string,
  detail: string,
  engine: ImprintingEngine,
  images: readonly Uint8Array[],
  extractAll: (inputs: readonly Uint8Array[]) => Promise<Float32Array[]>,
): Promise<ProtocolResult> {
  const start = performance.now();
  const embeddings = await extractAll(images);
  const t1 = performance.now();
  const trainMs = embeddings.map((e, i) => {
    const t = performance.now();
    engine.train(e, classOf(i));
    return performance.now() - t;
  });
  const t2 = performance.now();
  const model = engine.serializeModel();
  const end = performance.now();
  const perImage = (t1 - start) / images.length;
  return { runner, images: images.length, extractMs: images.map(() => perImage), batched: true, trainMs, serializeMs: end - t2, totalMs: end - start, modelBytes: model.length, modelSha256: sha256(model), detail };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
