import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import '../../src/interpreter/kernels/index.js';
import { wasmKernels, wasmKernelsStatus } from '../../src/interpreter/wasm/module.js';
import { Model } from '../../src/tflite/index.js';
import { coralFile, requireCoralData } from '../helpers/data.js';
import { prng } from '../helpers/prng.js';
import { patternBytes, referenceRun } from '../helpers/tflite-oracle.js';

/*
 * Whole Coral models through the interpreter on the WebAssembly SIMD kernels, against real
 * TFLite 2.9, byte for byte. These models hold every rounding case the unit tests make up
 * (ties in CONV_2D's final shift, dilated depthwise layers, 1001-wide 1×1 heads), with real weights.
 */

interface Case {
  file: string;
  /** Cut the model so that these tensors (by name) are its outputs: ops after them are not ours to test here. */
  cutAt?: string;
}

const CASES: Case[] = [
  { file: 'mobilenet_v1_0.25_128_quant.tflite' },
  { file: 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite' },
  { file: 'mobilenet_v2_1.0_224_quant.tflite' },
  { file: 'tools/mobilenet_quant_v1_224_head_layers.tflite' },
  // int8 per-channel layers, two of them with a channel whose multiplier is ≥ 1 (a left shift).
  { file: 'movenet_single_pose_lightning_ptq.tflite' },
  // Dilated depthwise layers; the model ends in ARG_MAX, which is not under test here.
  { file: 'deeplabv3_mnv2_pascal_quant.tflite', cutAt: 'ResizeBilinear_2' },
];

const CONV_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

function modelBytes(path: string, cutAt: string | undefined): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (!cutAt) return bytes;
  const model = Model.fromBuffer(bytes);
  model.cutAt(cutAt);
  return model.toBuffer();
}

function randomBytes(seed: number, n: number): Uint8Array {
  const rand = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

describe('WebAssembly SIMD kernels on whole models', function () {
  this.timeout(300000);
  requireCoralData();

  for (const c of CASES) {
    it(`${c.file}${c.cutAt ? ` (up to ${c.cutAt})` : ''} equals TFLite 2.9, from bytes and from a file (filters packed in place)`, async function () {
      const bytes = modelBytes(coralFile(this, c.file), c.cutAt);
      const path = join(mkdtempSync(join(tmpdir(), 'wasm-models-')), 'model.tflite');
      writeFileSync(path, bytes);
      const graph = Model.fromBuffer(bytes).subgraph(0);
      // Convolutions, and quantized ADDs of two intermediate tensors (residual connections).
      const intermediate = (t: number): boolean => t >= 0 && !graph.inputs.includes(t) && !graph.tensors[t]!.isConstant;
      const convOps = graph.operators.filter((op) => CONV_OPS.has(op.op) || (op.op === 'ADD' && graph.tensors[op.inputs[0]!]!.dtype !== 'float32' && graph.tensors[op.inputs[0]!]!.dtype !== 'int32' && op.inputs.every(intermediate))).length;
      for (const source of [bytes, path]) {
        const before = wasmKernelsStatus().preparedKernels;
        const interpreter = await Interpreter.create(source);
        // Every convolution and residual ADD of these models runs on WebAssembly.
        expect(wasmKernelsStatus().preparedKernels - before, 'operators prepared on WebAssembly').to.equal(convOps);
        const sizes = interpreter.inputs.map((t) => t.shape.reduce((a, d) => a * d, 1));
        for (const inputs of [sizes.map(patternBytes), sizes.map((n, k) => randomBytes(17 + k, n))]) {
          const ours = (await interpreter.run(inputs)).map((o) => new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
          const theirs = referenceRun(bytes, inputs).outputs;
          theirs.forEach((t, k) => {
            const o = ours[k]!;
            const diff = t.bytes.findIndex((v, i) => v !== o[i]);
            expect(diff, `${typeof source === 'string' ? 'from the file' : 'from bytes'}, output ${k} (${t.name}): first differing byte`).to.equal(-1);
            expect(o.length).to.equal(t.bytes.length);
          });
        }
        await interpreter.close();
      }
    });
  }

  it('an interpreter still runs right after another one grew the kernels\' memory', async function () {
    const small = new Uint8Array(readFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite')));
    const big = new Uint8Array(readFileSync(coralFile(this, 'mobilenet_v2_1.0_224_quant.tflite')));
    const first = await Interpreter.create(small);
    const input = [patternBytes(128 * 128 * 3)];
    const before = (await first.run(input))[0]!.slice();
    // Grow the memory for sure (earlier tests may have made it large already), then let a
    // bigger model take the freed space and enlarge the shared scratch regions.
    const heap = wasmKernels()!.heap;
    const capacity = heap.capacity;
    heap.release(heap.alloc(capacity));
    expect(heap.capacity).to.be.above(capacity);
    const second = await Interpreter.create(big);
    await second.run([patternBytes(224 * 224 * 3)]);
    const after = (await first.run(input))[0]!;
    expect(Buffer.compare(Buffer.from(after.buffer, after.byteOffset, after.byteLength), Buffer.from(before.buffer, before.byteOffset, before.byteLength))).to.equal(0);
    const theirs = referenceRun(small, input).outputs[0]!.bytes;
    expect(Buffer.compare(Buffer.from(theirs), Buffer.from(before.buffer, before.byteOffset, before.byteLength))).to.equal(0);
    await first.close();
    await second.close();
  });
});
