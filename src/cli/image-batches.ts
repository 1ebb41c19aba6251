import { InvalidImageError, loadImage, toInputTensor, type ImageInputDetails, type ResizeMethod } from '../image/index.js';

export interface ImagePipelineOptions {
  /** The model input the images are fitted to. */
  input: ImageInputDetails;
  resize: ResizeMethod;
  /** Skip images that cannot be decoded (reporting each to onBad) instead of stopping. */
  skipBad: boolean;
  onBad?(path: string, error: InvalidImageError): void;
  /** Images done (run or skipped) out of all. */
  onProgress?(done: number, total: number): void;
  /** Images decoded ahead of the model (default 32). */
  chunkSize?: number;
}

/** Decoding holds whole photos in memory: a few at a time. */
const DECODE_CONCURRENCY = 4;

/** The bytes of the input tensor of one image file. */
export async function imageTensor(path: string, input: ImageInputDetails, resize: ResizeMethod): Promise<Uint8Array> {
  const image = await loadImage(path);
  const t = await toInputTensor(image, input, { resize });
  return t instanceof Uint8Array ? t : new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Runs every image through `run` (input tensors in, one result per tensor out, in order), a
 * chunk at a time, decoding the next chunk while the model works on the current one. Returns
 * one entry per path: the result, or undefined for an image skipped as bad. Without skipBad,
 * the first bad image stops everything with its InvalidImageError (which names the file).
 */
export async function mapImages<T>(
  paths: readonly string[],
  run: (tensors: Uint8Array[], onProgress: (done: number) => void) => Promise<T[]>,
  options: ImagePipelineOptions,
): Promise<(T | undefined)[]> {
  const chunkSize = options.chunkSize ?? 32;
  const results = new Array<T | undefined>(paths.length);
  let done = 0;
  const decode = async (start: number): Promise<{ tensors: Uint8Array[]; indices: number[]; skipped: number }> => {
    const slice = paths.slice(start, start + chunkSize);
    const decoded = await mapLimit(slice, DECODE_CONCURRENCY, async (path) => {
      try {
        return await imageTensor(path, options.input, options.resize);
      } catch (e) {
        if (!(e instanceof InvalidImageError) || !options.skipBad) throw e;
        options.onBad?.(path, e);
        return undefined;
      }
    });
    const tensors: Uint8Array[] = [];
    const indices: number[] = [];
    decoded.forEach((t, i) => {
      if (t) {
        tensors.push(t);
        indices.push(start + i);
      }
    });
    return { tensors, indices, skipped: slice.length - tensors.length };
  };

  let pending: Promise<Awaited<ReturnType<typeof decode>>> | undefined = paths.length > 0 ? decode(0) : undefined;
  for (let start = 0; pending; start += chunkSize) {
    const chunk = await pending;
    pending = start + chunkSize < paths.length ? decode(start + chunkSize) : undefined;
    // If the model fails, the decode running ahead must not become an unhandled rejection.
    pending?.catch(() => undefined);
    done += chunk.skipped;
    options.onProgress?.(done, paths.length);
    const base = done;
    const out = chunk.tensors.length > 0 ? await run(chunk.tensors, (d) => options.onProgress?.(base + d, paths.length)) : [];
    out.forEach((r, i) => (results[chunk.indices[i]!] = r));
    done += chunk.tensors.length;
  }
  return results;
}
