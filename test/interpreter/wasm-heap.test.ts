import { expect } from 'chai';
import { WasmHeap, type WasmMemory } from '../../src/interpreter/wasm/heap.js';

/** A shared wasm memory as module.ts makes it (the project's TypeScript libs do not declare WebAssembly). */
function sharedMemory(pages: number): WasmMemory {
  const api = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory } }).WebAssembly;
  return new api.Memory({ initial: pages, maximum: 4096, shared: true });
}

describe('WasmHeap (the WebAssembly kernels\' allocator)', function () {
  it('hands out aligned, disjoint blocks and reuses released ones, merging neighbours', function () {
    const heap = new WasmHeap(sharedMemory(1));
    const a = heap.alloc(10);
    const b = heap.alloc(100);
    const c = heap.alloc(1);
    for (const x of [a, b, c]) expect(x.ptr % 16, 'alignment').to.equal(0);
    expect(b.ptr).to.be.at.least(a.ptr + 10);
    expect(c.ptr).to.be.at.least(b.ptr + 100);
    heap.release(a);
    heap.release(b);
    // a and b merged: a block as large as both fits where a was.
    expect(heap.alloc(a.size + b.size).ptr).to.equal(a.ptr);
  });

  it('grows the memory on demand without detaching views made before', function () {
    const memory = sharedMemory(1);
    const heap = new WasmHeap(memory);
    const first = heap.alloc(1000);
    const view = heap.u8.subarray(first.ptr, first.ptr + 1000);
    view.fill(7);
    const big = heap.alloc(5 << 20); // several MiB: the memory must grow
    expect(heap.capacity).to.be.at.least(big.ptr + big.size);
    expect(view.length, 'the old view still has its bytes').to.equal(1000);
    expect(heap.u8[first.ptr + 999]).to.equal(7);
    heap.u8[first.ptr] = 9; // written through the new view, seen through the old one
    expect(view[0]).to.equal(9);
    expect(heap.addressOf(view)).to.equal(first.ptr);
    expect(heap.addressOf(new Uint8Array(16))).to.equal(null);
  });
});
