/**
 * Coral's imprinting photos (coral-test-data/imprinting: cat, dog and hotdog; one training
 * photo each, two for the hotdog, one test photo each), trained as pycoral's
 * imprinting_engine_test does (cat → 0, dog → 1, hotdog → 2). For each scale: the score of
 * the right class on every photo and how many photos are classified right. pycoral's test
 * expects every photo above 0.99 with Coral's own model.
 */
import { join } from 'node:path';
import { loadImage, toInputTensor } from '../../src/image/index.js';
import { Interpreter } from '../../src/interpreter/index.js';
import { ImprintingEngine, type EmbeddingExtractor } from '../../src/learn/index.js';
import { quantizeToUint8 } from '../../src/learn/quantization.js';
import { Model } from '../../src/tflite/index.js';
import { meanEmbedding, runHead, type Quantization } from './imprinting-eval.js';

export const TRAIN_PHOTOS: ReadonlyArray<[string, number]> = [['cat_train_0', 0], ['dog_train_0', 1], ['hotdog_train_0', 2], ['hotdog_train_1', 2]];
export const TEST_PHOTOS: ReadonlyArray<[string, number]> = [['cat_test_0', 0], ['dog_test_0', 1], ['hotdog_test_0', 2]];

export interface PhotoScores {
  scale: number;
  centered: boolean;
  /** Score of the right class, per photo name (test photos first, then training photos). */
  scores: Record<string, number>;
  /** Photos whose right class scores strictly above the others, out of all seven. */
  correct: number;
  /** Lowest right-class score over the three test photos. */
  minTest: number;
}

/** The uint8 embeddings of the photos, resized nearest-neighbour as pycoral does. */
export async function photoEmbeddings(extractor: EmbeddingExtractor, dir: string, names: readonly string[]): Promise<Uint8Array[]> {
  const q = extractor.output.quantization!;
  const out: Uint8Array[] = [];
  for (const name of names) {
    const input = (await toInputTensor(await loadImage(join(dir, `${name}.bmp`)), extractor.input, { resize: 'nearest' })) as Uint8Array;
    out.push(quantizeToUint8(await extractor.embed(input), q.scale[0]!, q.zeroPoint[0]!));
  }
  return out;
}

export async function photoScaleStudy(head: Model, q: Quantization, extractor: EmbeddingExtractor, dir: string, scales: readonly number[], centered: boolean): Promise<PhotoScores[]> {
  const photos = [...TEST_PHOTOS, ...TRAIN_PHOTOS];
  const all = await photoEmbeddings(extractor, dir, photos.map(([n]) => n));
  const train = all.slice(TEST_PHOTOS.length);
  const center = centered ? meanEmbedding(train, q) : undefined;
  const probe = await ImprintingEngine.fromExtractor(head, { center });
  const normalizer = Interpreter.fromModel(Model.fromBuffer(probe.serializeExtractorModel()));
  const nq = normalizer.outputs[0]!.quantization!;
  const normalized = train.map((e) => Float32Array.from(normalizer.runSync([e])[0]! as Uint8Array, (v) => nq.scale[0]! * (v - nq.zeroPoint[0]!)));
  await normalizer.close();

  const results: PhotoScores[] = [];
  for (const scale of scales) {
    const engine = await ImprintingEngine.fromExtractor(head, { scale, center });
    normalized.forEach((e, i) => engine.train(e, TRAIN_PHOTOS[i]![1]));
    const { probabilities } = await runHead(engine.serializeModel(), all, 3);
    const scores: Record<string, number> = {};
    let correct = 0;
    photos.forEach(([name, label], r) => {
      const row = probabilities.subarray(r * 3, r * 3 + 3);
      scores[name] = row[label]!;
      if (row.every((p, c) => c === label || p < row[label]!)) correct++;
    });
    results.push({ scale, centered, scores, correct, minTest: Math.min(...TEST_PHOTOS.map(([n]) => scores[n]!)) });
  }
  return results;
}
