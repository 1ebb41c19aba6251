import type { WasmHeap } from './heap.js';
import type { Scratch, ScratchRegion } from './scratch.js';

/**
 * Copies a tensor's bytes between the interpreter's memory and a scratch region of the
 * kernels' memory, without allocating on each run: the view of the wasm side is kept until
 * the memory grows or the region moves.
 */
export class ScratchTransfer {
  private view: Uint8Array | null = null;

  constructor(
    private readonly heap: WasmHeap,
    private readonly scratch: Scratch,
    private readonly region: ScratchRegion,
    private readonly byteOffset: number,
    private readonly bytes: Uint8Array,
  ) {}

  private wasmSide(): Uint8Array {
    const start = this.scratch.ptr(this.region) + this.byteOffset;
    const v = this.view;
    if (v && v.buffer === this.heap.u8.buffer && v.byteOffset === start) return v;
    return (this.view = this.heap.u8.subarray(start, start + this.bytes.length));
  }

  /** Interpreter tensor → wasm memory. */
  in(): void {
    this.wasmSide().set(this.bytes);
  }

  /** wasm memory → interpreter tensor. */
  out(): void {
    this.bytes.set(this.wasmSide());
  }
}
