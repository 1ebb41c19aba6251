import type { HeapBlock, WasmHeap } from './heap.js';
import { wasmKernels } from './module.js';

// An interpreter's arena goes back to the heap when the interpreter is garbage collected.
const arenas = new FinalizationRegistry<{ heap: WasmHeap; block: HeapBlock }>(({ heap, block }) => heap.release(block));

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
  arenas.register(arena, { heap, block });
  return arena;
}
