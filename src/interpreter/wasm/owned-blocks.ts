import type { KernelRun } from '../kernel.js';
import type { HeapBlock, WasmHeap } from './heap.js';
import { countWasmKernel } from './module.js';

interface Holding {
  heap: WasmHeap;
  blocks: HeapBlock[];
}

// Kernels that are never closed give their memory back when they are garbage collected.
const collected = new FinalizationRegistry<Holding>((h) => releaseAll(h));

function releaseAll(h: Holding): void {
  for (const b of h.blocks) h.heap.release(b);
  h.blocks = [];
}

/** A kernel run that owns wasm memory (its packed weights) and gives it back on close(). */
export type WasmKernelRun = KernelRun & { close(): void };

/** Makes `run` the owner of `blocks`: Interpreter.close() (or garbage collection) releases them. */
export function owningBlocks(run: () => void, heap: WasmHeap, blocks: HeapBlock[]): WasmKernelRun {
  const holding: Holding = { heap, blocks };
  const owner = Object.assign(run, {
    close(): void {
      collected.unregister(owner);
      releaseAll(holding);
    },
  });
  collected.register(owner, holding, owner);
  countWasmKernel();
  return owner;
}
