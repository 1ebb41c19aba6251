/**
 * Embeddings computed once and kept on disk (benchmarks/.cache/, not committed), so reruns
 * of the accuracy benchmark skip the slow part. An embedding is stored as the extractor's
 * uint8 output bytes: exact, 1 byte a value, and what the head models take as input.
 *
 * File: "EMB1", uint32 dim, then records of (uint8 split, uint32 index, dim bytes), little-endian.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Split } from './fashion-mnist.js';

const MAGIC = 'EMB1';
const SPLITS: readonly Split[] = ['train', 'test'];

export class EmbeddingCache {
  private readonly entries = new Map<string, Uint8Array>();
  private dirty = false;

  private constructor(
    readonly path: string,
    readonly dim: number,
  ) {}

  /** Opens the cache file, or starts an empty one when it is missing or made for another dim. */
  static open(path: string, dim: number): EmbeddingCache {
    const cache = new EmbeddingCache(path, dim);
    if (!existsSync(path)) return cache;
    const bytes = readFileSync(path);
    if (bytes.toString('latin1', 0, 4) !== MAGIC || bytes.readUInt32LE(4) !== dim) return cache;
    const record = 5 + dim;
    for (let at = 8; at + record <= bytes.length; at += record) {
      const split = SPLITS[bytes[at]!];
      if (!split) break;
      cache.entries.set(key(split, bytes.readUInt32LE(at + 1)), new Uint8Array(bytes.subarray(at + 5, at + record)));
    }
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  get(split: Split, index: number): Uint8Array | undefined {
    return this.entries.get(key(split, index));
  }

  set(split: Split, index: number, embedding: Uint8Array): void {
    if (embedding.length !== this.dim) throw new RangeError(`embedding of ${embedding.length} values, the cache holds ${this.dim}`);
    this.entries.set(key(split, index), embedding);
    this.dirty = true;
  }

  /** Writes the file (through a temporary file, so an interrupted run never leaves half of one). */
  save(): void {
    if (!this.dirty) return;
    const record = 5 + this.dim;
    const out = Buffer.alloc(8 + this.entries.size * record);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(this.dim, 4);
    let at = 8;
    for (const [k, embedding] of this.entries) {
      const [split, index] = k.split(':') as [Split, string];
      out[at] = SPLITS.indexOf(split);
      out.writeUInt32LE(Number(index), at + 1);
      out.set(embedding, at + 5);
      at += record;
    }
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, out);
    renameSync(`${this.path}.tmp`, this.path);
    this.dirty = false;
  }
}

const key = (split: Split, index: number): string => `${split}:${index}`;
