/**
 * Computes the embeddings the cache lacks: images converted to the extractor's input
 * (toInputTensor, the chosen resize) and embedded on the worker pool, in chunks saved as
 * they complete, so an interrupted run resumes where it stopped.
 */
import { toInputTensor, type ResizeMethod, type RgbImage } from '../../src/image/index.js';
import { quantizeToUint8 } from '../../src/learn/quantization.js';
import type { EmbeddingExtractor } from '../../src/learn/index.js';
import type { EmbeddingCache } from './embedding-cache.js';
import type { Split } from './fashion-mnist.js';

export interface ImageRef {
  split: Split;
  index: number;
}

const CHUNK = 256;

export async function embedMissing(
  extractor: EmbeddingExtractor,
  cache: EmbeddingCache,
  wanted: readonly ImageRef[],
  imageOf: (ref: ImageRef) => RgbImage,
  resize: ResizeMethod,
  workers?: number,
): Promise<void> {
  const missing = wanted.filter((r) => !cache.get(r.split, r.index));
  if (missing.length === 0) return;
  const q = extractor.output.quantization!;
  const started = performance.now();
  for (let at = 0; at < missing.length; at += CHUNK) {
    const chunk = missing.slice(at, at + CHUNK);
    const inputs = await Promise.all(chunk.map(async (r) => (await toInputTensor(imageOf(r), extractor.input, { resize })) as Uint8Array));
    const embeddings = await extractor.embedBatch(inputs, { workers });
    // Back to the extractor's uint8 output: exact, the floats being its dequantized bytes.
    chunk.forEach((r, i) => cache.set(r.split, r.index, quantizeToUint8(embeddings[i]!, q.scale[0]!, q.zeroPoint[0]!)));
    cache.save();
    const done = Math.min(at + CHUNK, missing.length);
    const rate = done / ((performance.now() - started) / 1000);
    process.stderr.write(`embedded ${done}/${missing.length} (${rate.toFixed(1)} images/s, ${((missing.length - done) / rate / 60).toFixed(1)} min left)\n`);
  }
}
