import type { HeapBlock, WasmHeap } from './heap.js';

/**
 * The per-run working buffers of an operator; every operator of a thread shares one set.
 * 'wide' and 'cols' hold int16 working copies (a band of rows); 'input' and 'output' hold
 * copies of tensors that live outside wasm memory (model inputs and outputs; with the arena in
 * wasm memory, intermediates are read and written in place).
 */
export type ScratchRegion = 'input' | 'wide' | 'cols' | 'output';
const REGIONS: readonly ScratchRegion[] = ['input', 'wide', 'cols', 'output'];

/**
 * Bytes read or written past the end of a buffer by the SIMD loops (16-byte loads and stores,
 * 8-byte output stores, GEMM tiles of 4 rows): every region gets this much slack after the
 * bytes an operator asked for, besides 3 rows of GEMM input (see reserve's callers).
 */
export const SLACK = 64;

/**
 * Working memory shared by all WebAssembly kernels of a thread: only one operator runs at a
 * time, so each region only needs to be as large as the largest request. Operators reserve at
 * prepare time and read `ptr()` at run time, because a later reservation can move the regions.
 */
export class Scratch {
  private block: HeapBlock | null = null;
  private readonly sizes = new Map<ScratchRegion, number>(REGIONS.map((r) => [r, 0]));
  private readonly offsets = new Map<ScratchRegion, number>(REGIONS.map((r) => [r, 0]));

  constructor(private readonly heap: WasmHeap) {}

  /** Makes `region` at least `bytes` long (plus slack). */
  reserve(region: ScratchRegion, bytes: number): void {
    const need = Math.ceil((bytes + SLACK) / 16) * 16;
    if (need <= this.sizes.get(region)!) return;
    this.sizes.set(region, need);
    if (this.block) this.heap.release(this.block);
    let total = 0;
    for (const r of REGIONS) {
      this.offsets.set(r, total);
      total += this.sizes.get(r)!;
    }
    this.block = this.heap.alloc(total);
  }

  /** Where `region` currently starts (valid until the next reserve()). */
  ptr(region: ScratchRegion): number {
    return this.block!.ptr + this.offsets.get(region)!;
  }
}
