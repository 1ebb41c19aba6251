/** The exported memory of the kernels' instance (WebAssembly.Memory, reduced to what is used). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A range of wasm memory handed out by WasmHeap. */
export interface HeapBlock {
  readonly ptr: number;
  readonly size: number;
}

const PAGE = 65536;
const ALIGN = 16;
/** Addresses below this belong to the kernels themselves (assembly/requantize.ts: SPILL_SLOT); 0 is never valid. */
const BASE = 1024;
/** Readable bytes kept past the last block: the kernels' vector loads may read up to 16 bytes past a buffer. */
const TAIL = 64;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * A first-fit allocator over the kernels' linear memory: packed weights and requantization
 * tables of every prepared operator, the shared scratch buffers and the interpreters' arenas.
 * Memory grows on demand and is never given back to the engine, but released blocks are
 * reused. The memory is shared (its buffer a SharedArrayBuffer), so growing it does not
 * detach views made earlier: tensors in an arena keep their views for good.
 */
export class WasmHeap {
  /** A view of the whole memory; renewed whenever the memory grows. */
  u8: Uint8Array;
  private top = BASE;
  /** Free ranges below `top`, sorted by address, never adjacent. */
  private readonly free: Array<{ ptr: number; size: number }> = [];
  /** Every buffer object the memory has had (one per size): views on them are views of wasm memory. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(private readonly memory: WasmMemory) {
    this.u8 = new Uint8Array(memory.buffer);
    this.buffers.add(memory.buffer);
  }

  /** The wasm address of `view`'s first byte when it is a view of this memory, else null. */
  addressOf(view: ArrayBufferView): number | null {
    return this.buffers.has(view.buffer) ? view.byteOffset : null;
  }

  /** Bytes of linear memory (what the process holds for the kernels). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out and not released (what the blocks in use take, alignment included). */
  get bytesInUse(): number {
    return this.top - BASE - this.free.reduce((a, f) => a + f.size, 0);
  }

  alloc(bytes: number): HeapBlock {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.size < size) continue;
      const ptr = f.ptr;
      if (f.size === size) this.free.splice(i, 1);
      else this.free[i] = { ptr: ptr + size, size: f.size - size };
      return { ptr, size };
    }
    const ptr = this.top;
    this.top += size;
    this.reserve(this.top + TAIL);
    return { ptr, size };
  }

  /** Allocates a block holding a copy of `data`. */
  allocCopy(data: ArrayBufferView): HeapBlock {
    const block = this.alloc(data.byteLength);
    this.u8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), block.ptr);
    return block;
  }

  release(block: HeapBlock): void {
    let { ptr, size } = block;
    let i = this.free.findIndex((f) => f.ptr > ptr);
    if (i < 0) i = this.free.length;
    const before = this.free[i - 1];
    const after = this.free[i];
    if (before && before.ptr + before.size === ptr) {
      ptr = before.ptr;
      size += before.size;
      this.free.splice(--i, 1);
    }
    if (after && ptr + size === after.ptr) {
      size += after.size;
      this.free.splice(i, 1);
    }
    if (ptr + size === this.top) this.top = ptr;
    else this.free.splice(i, 0, { ptr, size });
  }

  private reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least an eighth, so many small allocations do not grow page by page.
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 8));
    this.memory.grow(pages);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }
}
