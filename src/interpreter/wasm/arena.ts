import type { HeapBlock, WasmHeap } from './heap.js';
import { wasmKernels } from './module.js';

interface ArenaBlock {
  heap: WasmHeap;
  block: HeapBlock;
}

// An interpreter's arena goes back to the heap when the interpreter is closed, or garbage collected.
const arenas = new FinalizationRegistry<ArenaBlock>(({ heap, block }) => heap.release(block));
const blocks = new WeakMap<Uint8Array, ArenaBlock>();

/**
 * The memory for an interpreter's intermediate tensors. With the WebAssembly kernels on it is
 * a block of their memory, so that they read and write those tensors in place instead of
 * copying them in and out; otherwise an ordinary buffer.
 */
export function allocateArena(bytes: number): Uint8Array {
  const kernels = wasmKernels();
  if (!kernels || bytes === 0) return new Uint8Array(bytes);
  const { heap } = kernels;
  const block = heap.alloc(bytes);
  const arena = heap.u8.subarray(block.ptr, block.ptr + bytes);
  const held = { heap, block };
  arenas.register(arena, held, arena);
  blocks.set(arena, held);
  return arena;
}

/** Gives an arena back to the kernels' memory now (nothing may use it afterwards). */
export function releaseArena(arena: Uint8Array): void {
  const held = blocks.get(arena);
  if (!held) return;
  blocks.delete(arena);
  arenas.unregister(arena);
  held.heap.release(held.block);
}
