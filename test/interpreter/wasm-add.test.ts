import { expect } from 'chai';
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../../src/interpreter/quantization-math.js';
import { wasmKernels } from '../../src/interpreter/wasm/module.js';
import { prng, randInt } from '../helpers/prng.js';

/*
 * The output stage of the WebAssembly quantized ADD (assembly/add.ts) against the TypeScript
 * reference functions, on the arithmetic itself: in whole models its rounding differences
 * would rarely show (ADD's final shift is ~20 bits, which hides an off-by-one before it), so
 * this drives every shift from 0 to 31, exact ties, and the extremes of int32.
 */
describe('WebAssembly quantized ADD: the output stage', function () {
  it('equals RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(sum, M), shift) + zero point for any int32 sum and M, every shift', function () {
    const kernels = wasmKernels();
    if (!kernels) throw new Error('the WebAssembly kernels did not load (npm run build:wasm)');
    const { heap, exports: k } = kernels;
    const n = 256;
    const rand = prng(77);
    const INT32_MIN = -(2 ** 31);
    const INT32_MAX = 2 ** 31 - 1;
    const block = heap.alloc(n + n + 2 * 1024 + 8);
    try {
      const aBytes = block.ptr; // a[i] = i: element i reads scaledA[i]
      const out = aBytes + n;
      const tables = out + n; // scaledA (256 int32), then scaledB (256 int32, all 0)
      const offsets = tables + 2048; // aOffsets [0], bOffsets [0]
      heap.u8.set(Uint8Array.from({ length: n }, (_, i) => i), aBytes);
      new Int32Array(heap.u8.buffer, offsets, 2).fill(0);
      const scaledA = new Int32Array(heap.u8.buffer, tables, 256);
      new Int32Array(heap.u8.buffer, tables + 1024, 256).fill(0);
      let checked = 0;
      for (let round = 0; round < 64; round++) {
        const shift = round % 32;
        const m = round < 4 ? [INT32_MIN, INT32_MAX, 1 << 30, -(1 << 30)][round]! : randInt(rand, INT32_MIN, INT32_MAX);
        for (let i = 0; i < n; i++) {
          // Extremes, exact ties of the high multiply (sums that are multiples of 2^k with M = 2^30), and random values.
          scaledA[i] = i < 4 ? [INT32_MIN, INT32_MAX, -1, 0][i]! : i < 64 ? (randInt(rand, -(2 ** 20), 2 ** 20) * 2 + 1) * (round < 4 ? 1 : 1 << randInt(rand, 0, 10)) : randInt(rand, INT32_MIN, INT32_MAX);
        }
        const zp = randInt(rand, -128, 127);
        k.addQuantized(aBytes, aBytes, out, 1, n, offsets, offsets + 4, 1, 0, tables, tables + 1024, m, shift, zp, INT32_MIN, INT32_MAX);
        const got = new Uint8Array(heap.u8.buffer, out, n);
        for (let i = 0; i < n; i++) {
          const want = (roundingDivideByPOT(saturatingRoundingDoublingHighMul(scaledA[i]!, m), shift) + zp) & 255;
          if (got[i] !== want) expect.fail(`sum ${scaledA[i]}, M ${m}, shift ${shift}, zero point ${zp}: WebAssembly ${got[i]}, reference ${want} (low bytes)`);
          checked++;
        }
      }
      expect(checked).to.equal(64 * n);
    } finally {
      heap.release(block);
    }
  });
});
