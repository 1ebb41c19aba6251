import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { EdgeTpuRequiredError, Interpreter, InterpreterPool, InterpreterStateError, InvalidInputError } from '../../src/interpreter/index.js';
import { coralFile } from '../helpers/data.js';
import { prng } from '../helpers/prng.js';

/** Rejection of a promise. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  expect.fail('expected a rejection');
}

const MODEL = 'mobilenet_v1_0.25_128_quant.tflite';

function randomImages(count: number): Uint8Array[] {
  const rand = prng(77);
  return Array.from({ length: count }, () => Uint8Array.from({ length: 128 * 128 * 3 }, () => Math.floor(rand() * 256)));
}

describe('InterpreterPool', function () {
  this.timeout(120_000);
  let model: Uint8Array;
  let pool: InterpreterPool;

  before(async function () {
    model = new Uint8Array(readFileSync(coralFile(this as unknown as Mocha.Context, MODEL)));
    pool = await InterpreterPool.create(model, { workers: 2 });
  });
  after(async () => {
    await pool?.close();
  });

  it('gives the same bytes as a single interpreter, in input order, reporting progress', async function () {
    const images = randomImages(7);
    const single = await Interpreter.create(model);
    const expected = images.map((img) => single.runSync([img])[0]!.slice());
    const progress: Array<[number, number]> = [];
    const results = await pool.runBatch(
      images.map((img) => [img]),
      { onProgress: (done, total) => progress.push([done, total]) },
    );
    expect(pool.size).to.equal(2);
    expect(results).to.have.length(images.length);
    results.forEach((outputs, i) => {
      expect(outputs).to.have.length(1);
      expect(Buffer.from(outputs[0]!.buffer, outputs[0]!.byteOffset, outputs[0]!.byteLength).equals(Buffer.from(expected[i]!.buffer)), `item ${i}`).to.equal(true);
    });
    expect(progress).to.deep.equal(images.map((_, i) => [i + 1, images.length]));
    expect(pool.inputs[0]).to.deep.include({ name: 'input', shape: [1, 128, 128, 3], dtype: 'uint8' });
  });

  it('returns fresh arrays that later batches do not overwrite', async function () {
    const [a, b] = randomImages(2);
    const first = await pool.runBatch([[a!]]);
    const copy = first[0]![0]!.slice();
    await pool.runBatch([[b!], [b!], [b!]]);
    const kept = first[0]![0]!;
    expect(Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).equals(Buffer.from(copy.buffer))).to.equal(true);
  });

  it('stops at an AbortSignal: rejects with its reason and runs no queued input', async function () {
    const images = randomImages(40);
    const controller = new AbortController();
    let progressCalls = 0;
    const e = await rejection(
      pool.runBatch(
        images.map((img) => [img]),
        {
          signal: controller.signal,
          onProgress: (done) => {
            progressCalls++;
            if (done === 2) controller.abort();
          },
        },
      ),
    );
    expect((e as Error).name).to.equal('AbortError');
    expect(progressCalls).to.be.lessThan(images.length);
    // The pool stays usable.
    const again = await pool.runBatch([[images[0]!]]);
    expect(again).to.have.length(1);
  });

  it('rejects at once for an already aborted signal', async function () {
    const controller = new AbortController();
    controller.abort(new Error('not today'));
    const e = await rejection(pool.runBatch([[randomImages(1)[0]!]], { signal: controller.signal }));
    expect((e as Error).message).to.equal('not today');
  });

  it('passes errors from the workers as the same error classes', async function () {
    const e = await rejection(pool.runBatch([[new Float32Array(3)]]));
    expect(e).to.be.instanceOf(InvalidInputError);
    expect((e as Error).message).to.include("input 0 ('input')");
  });

  it('fails to create for a model that cannot run, with the interpreter’s error', async function () {
    const e = await rejection(InterpreterPool.create(coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite'), { workers: 1, device: 'cpu' }));
    expect(e).to.be.instanceOf(EdgeTpuRequiredError);
  });

  it('refuses batches after close()', async function () {
    const small = await InterpreterPool.create(model, { workers: 1 });
    await small.close();
    const e = await rejection(small.runBatch([[randomImages(1)[0]!]]));
    expect(e).to.be.instanceOf(InterpreterStateError);
  });
});
