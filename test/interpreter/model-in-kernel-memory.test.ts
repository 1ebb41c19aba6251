import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Interpreter } from '../../src/interpreter/index.js';
import { wasmKernels } from '../../src/interpreter/wasm/module.js';
import { Model, fb } from '../../src/tflite/index.js';
import { coralFile, requireCoralData } from '../helpers/data.js';
import { prng } from '../helpers/prng.js';
import { patternBytes, referenceRun } from '../helpers/tflite-oracle.js';

/*
 * Interpreter.create(path) reads the file into the WebAssembly kernels' memory and packs
 * convolution and fully connected filters where they are (runtime-graph.ts, weight-packing.ts):
 * the process then holds the model once. These tests check that it does, that it gives the
 * bytes back, that it never rewrites bytes something else reads, and that bytes a caller passes
 * are never written.
 */

const tempFile = (bytes: Uint8Array): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'in-place-')), 'model.tflite');
  writeFileSync(path, bytes);
  return path;
};

function heap(): NonNullable<ReturnType<typeof wasmKernels>>['heap'] {
  const kernels = wasmKernels();
  if (!kernels) throw new Error('these tests need the WebAssembly kernels (npm run build:wasm; EDGETPU_LEARN_WASM not 0)');
  return kernels.heap;
}

// Interpreters that earlier tests dropped without close() give their blocks back from
// FinalizationRegistry callbacks, whenever the collector gets to them: collect them all before a
// measurement, so that nothing else changes bytesInUse while it runs.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
async function settle(): Promise<void> {
  let last = -1;
  for (let i = 0; i < 10 && heap().bytesInUse !== last; i++) {
    last = heap().bytesInUse;
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Bytes of the kernels' memory that creating an interpreter from `source` takes, and the interpreter. */
async function footprint(source: string | Uint8Array): Promise<{ bytes: number; interpreter: Interpreter }> {
  await settle();
  const before = heap().bytesInUse;
  const interpreter = await Interpreter.create(source);
  return { bytes: heap().bytesInUse - before, interpreter };
}

/**
 * input [1,16] → FULLY_CONNECTED(W) → hidden → FULLY_CONNECTED(W') → output, uint8. With
 * `share` 'tensor' both operators read one weights tensor; with 'buffer' two tensors point at
 * one buffer. Either way no kernel may rewrite those bytes for itself.
 */
function twoDenseLayers(share: 'tensor' | 'buffer'): Uint8Array {
  const m = Model.create();
  const g = m.subgraph();
  const rand = prng(share === 'tensor' ? 5 : 6);
  const q = (scale: number, zeroPoint: number): { scale: number[]; zeroPoint: number[] } => ({ scale: [scale], zeroPoint: [zeroPoint] });
  const weights = Uint8Array.from({ length: 16 * 16 }, () => Math.floor(rand() * 256));
  const x = g.addTensor({ name: 'x', shape: [1, 16], dtype: 'uint8', quantization: q(0.05, 120) });
  const w1 = g.addTensor({ name: 'w1', shape: [16, 16], dtype: 'uint8', quantization: q(0.01, 131), data: weights });
  const h = g.addTensor({ name: 'h', shape: [1, 16], dtype: 'uint8', quantization: q(0.2, 100) });
  const w2 = share === 'tensor' ? w1 : g.addTensor({ name: 'w2', shape: [16, 16], dtype: 'uint8', quantization: q(0.01, 131), data: new Uint8Array(16 * 16) });
  if (share === 'buffer') m.raw.subgraphs[0]!.tensors[w2]!.buffer = m.raw.subgraphs[0]!.tensors[w1]!.buffer;
  const y = g.addTensor({ name: 'y', shape: [1, 16], dtype: 'uint8', quantization: q(0.5, 90) });
  const options = new fb.FullyConnectedOptionsT(fb.ActivationFunctionType.NONE);
  g.addOperator({ op: 'FULLY_CONNECTED', inputs: [x, w1, -1], outputs: [h], options });
  g.addOperator({ op: 'FULLY_CONNECTED', inputs: [h, w2, -1], outputs: [y], options });
  g.setInputs([x]);
  g.setOutputs([y]);
  return m.toBuffer();
}

describe('A model read from a file into the kernels\' memory', function () {
  this.timeout(120000);
  requireCoralData();

  it('is held once: its filters are packed where they are, not copied', async function () {
    const path = coralFile(this, 'mobilenet_v2_1.0_224_quant.tflite');
    const bytes = new Uint8Array(readFileSync(path));
    // Warm up the shared scratch regions, which the first interpreter grows.
    await (await Interpreter.create(bytes)).close();
    const fromBytes = await footprint(bytes);
    await fromBytes.interpreter.close();
    const fromFile = await footprint(path);
    await fromFile.interpreter.close();
    // From bytes: packed weights (about the file) + arena + tables. From the file: the file
    // itself + arena + tables; packing into a copy would add another file's worth.
    expect(fromFile.bytes - fromBytes.bytes, 'bytes the file path takes beyond the bytes path').to.be.below(0.1 * bytes.length);
    expect(fromFile.bytes).to.be.above(bytes.length);
  });

  it('close() gives the file\'s bytes, the packed weights and the arena back', async function () {
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    await (await Interpreter.create(path)).close();
    await settle();
    const before = heap().bytesInUse;
    const interpreter = await Interpreter.create(path);
    expect(heap().bytesInUse).to.be.above(before + readFileSync(path).length);
    await interpreter.close();
    expect(heap().bytesInUse).to.equal(before);
  });

  for (const share of ['tensor', 'buffer'] as const) {
    it(`leaves weights that two operators read (one ${share}) as they are, and equals TFLite 2.9`, async function () {
      const bytes = twoDenseLayers(share);
      const interpreter = await Interpreter.create(tempFile(bytes));
      for (const input of [patternBytes(16), Uint8Array.from({ length: 16 }, (_, i) => 255 - i * 9)]) {
        const [ours] = await interpreter.run([input]);
        expect(Array.from(ours as Uint8Array)).to.deep.equal(Array.from(referenceRun(bytes, [input]).outputs[0]!.bytes));
      }
      await interpreter.close();
    });
  }

  it('never writes to bytes or a Model the caller passes', async function () {
    const bytes = new Uint8Array(readFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite')));
    const copy = bytes.slice();
    const fromBytes = await Interpreter.create(bytes);
    await fromBytes.run([patternBytes(128 * 128 * 3)]);
    expect(Buffer.compare(bytes, copy), 'bytes changed').to.equal(0);
    const model = Model.fromBuffer(copy.slice());
    const fromModel = await Interpreter.create(model);
    await fromModel.run([patternBytes(128 * 128 * 3)]);
    expect(Buffer.compare(model.toBuffer(), Model.fromBuffer(copy).toBuffer()), 'the Model changed').to.equal(0);
    await fromBytes.close();
    await fromModel.close();
  });

  it('gives the bytes back when the model is refused', async function () {
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const model = Model.fromBuffer(new Uint8Array(readFileSync(path)));
    // A zero scale on the input: refused at create(), after the file was read.
    model.raw.subgraphs[0]!.tensors[model.subgraph(0).inputs[0]!]!.quantization!.scale = [0];
    const bad = tempFile(model.toBuffer());
    await settle();
    const before = heap().bytesInUse;
    let error: unknown;
    try {
      await Interpreter.create(bad);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect(heap().bytesInUse).to.equal(before);
  });

  it('falls back to an ordinary read when the kernels\' memory cannot hold the file', async function () {
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const size = readFileSync(path).length;
    const h = heap();
    const alloc = h.alloc.bind(h);
    // The 4 GiB ceiling of wasm memory, for this file only: growing fails as Memory.grow does.
    h.alloc = (bytes: number) => {
      if (bytes === size) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      return alloc(bytes);
    };
    try {
      const interpreter = await Interpreter.create(path);
      const [ours] = await interpreter.run([patternBytes(128 * 128 * 3)]);
      const [theirs] = await (await Interpreter.create(new Uint8Array(readFileSync(path)))).run([patternBytes(128 * 128 * 3)]);
      expect(Array.from(ours as Uint8Array)).to.deep.equal(Array.from(theirs as Uint8Array));
      await interpreter.close();
    } finally {
      h.alloc = alloc;
    }
  });
});
