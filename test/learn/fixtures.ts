/**
 * Real inputs for the learning tests: Coral's imprinting photos (24-bit BMPs) decoded and
 * resized nearest-neighbour with half-pixel centres (as ../shared/tools/tflite-ref.js
 * does), and their embeddings computed by real TFLite.
 */
import { readFileSync } from 'node:fs';
import { coralFile } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { Model } from '../../src/tflite/index.js';

export const IMPRINTING_IMAGES = ['cat_train_0', 'cat_test_0', 'dog_train_0', 'dog_test_0', 'hotdog_train_0', 'hotdog_train_1', 'hotdog_test_0'] as const;
export type ImprintingImage = (typeof IMPRINTING_IMAGES)[number];

export const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite';
export const EXTRACTOR_EDGETPU = 'mobilenet_v1_1.0_224_quant_embedding_extractor_edgetpu.tflite';

/** A 24-bit bottom-up or top-down uncompressed BMP as packed RGB. */
export function readBmp(path: string): { width: number; height: number; rgb: Uint8Array } {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 2) !== 'BM') throw new Error(`${path}: not a BMP`);
  const offset = b.readUInt32LE(10);
  const width = b.readInt32LE(18);
  const rawHeight = b.readInt32LE(22);
  if (b.readUInt16LE(28) !== 24 || b.readUInt32LE(30) !== 0) throw new Error(`${path}: only uncompressed 24-bit BMPs`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * 3) / 4) * 4;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const p = src + x * 3;
      const d = (y * width + x) * 3;
      rgb[d] = b[p + 2]!;
      rgb[d + 1] = b[p + 1]!;
      rgb[d + 2] = b[p]!;
    }
  }
  return { width, height, rgb };
}

/** Nearest-neighbour resize, half-pixel centres, integer arithmetic. */
export function resizeNearest(img: { width: number; height: number; rgb: Uint8Array }, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(((2 * y + 1) * img.height) / (2 * height));
    for (let x = 0; x < width; x++) {
      const sx = Math.floor(((2 * x + 1) * img.width) / (2 * width));
      out.set(img.rgb.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return out;
}

const inputs = new Map<string, Uint8Array>();
/** The 224×224 RGB input tensor of a Coral imprinting photo. */
export function imageInput(ctx: Mocha.Context, name: ImprintingImage): Uint8Array {
  let input = inputs.get(name);
  if (!input) {
    input = resizeNearest(readBmp(coralFile(ctx, `imprinting/${name}.bmp`)), 224, 224);
    inputs.set(name, input);
  }
  return input;
}

/** The dequantized single output of a CPU model for one input, computed by real TFLite. */
export function referenceOutput(model: Uint8Array, input: Uint8Array): Float32Array {
  const m = Model.fromBuffer(model);
  const g = m.subgraph(0);
  const out = g.outputTensors[0]!;
  const bytes = referenceRun(model, [input]).outputs[0]!.bytes;
  const q = out.quantization!;
  return Float32Array.from(bytes, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
}

/** Index and value of the largest entry. */
export function top1(scores: ArrayLike<number>): { id: number; score: number } {
  let id = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[id]!) id = i;
  return { id, score: scores[id]! };
}
