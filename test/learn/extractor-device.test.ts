import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeTpuNotFoundError } from '../../src/edgetpu/index.js';
import { EdgeTpuRequiredError } from '../../src/interpreter/index.js';
import { EmbeddingExtractor } from '../../src/learn/embedding-extractor.js';
import { UnsupportedModelError } from '../../src/learn/errors.js';
import { Model } from '../../src/tflite/index.js';
import { setDefaultUsbTransport } from '../../src/testing/index.js';
import { coralFile } from '../helpers/data.js';
import { setUpReplay, type Replay } from '../edgetpu/helpers.js';
import { inputA, inputB, requireTraces, traceCases } from '../edgetpu/shared-data.js';
import { EXTRACTOR, EXTRACTOR_EDGETPU, referenceOutput } from './fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** The warm trace of the embedding extractor, replayed by a fake Edge TPU. */
async function extractorReplay(ctx: Mocha.Context): Promise<Replay> {
  const c = traceCases().find((t) => t.model.startsWith('mobilenet_v1_1.0_224_quant_embedding_extractor') && t.scenario === 'warm');
  if (!c) {
    if (process.env.CI) throw new Error('the embedding extractor trace is missing');
    ctx.skip();
  }
  return setUpReplay(ctx, c!);
}

/** A bus with nothing on it (the replay device, unplugged). */
async function emptyBus(ctx: Mocha.Context): Promise<void> {
  const r = await extractorReplay(ctx);
  r.fake.unplug();
  setDefaultUsbTransport(r.fake);
}

const INPUT_BYTES = 224 * 224 * 3;

describe('learn: EmbeddingExtractor devices (cpu, usb, usb:N, auto)', function () {
  requireTraces();

  afterEach(function () {
    setDefaultUsbTransport(null);
  });

  it("'usb' runs an _edgetpu extractor on the Edge TPU: inputs A and B embed to the trace's results, dequantized", async function () {
    const r = await extractorReplay(this);
    setDefaultUsbTransport(r.fake);
    const extractor = await EmbeddingExtractor.create(coralFile(this, EXTRACTOR_EDGETPU), { device: 'usb' });
    try {
      expect(extractor.device).to.equal('usb');
      const { scale, zeroPoint } = extractor.output.quantization!;
      const dequantized = (bytes: Uint8Array) => Array.from(bytes, (q) => Math.fround(scale[0]! * (q - zeroPoint[0]!)));
      expect(Array.from(await extractor.embed(r.inputs[0]))).to.deep.equal(dequantized(r.results[0]));
      // On a device a batch runs input after input on the one interpreter.
      const seen: number[] = [];
      const [b] = await extractor.embedBatch([r.inputs[1]], { onProgress: (done, total) => seen.push(done, total) });
      expect(Array.from(b!)).to.deep.equal(dequantized(r.results[1]));
      expect(seen).to.deep.equal([1, 1]);
    } finally {
      await extractor.close();
    }
    r.fake.assertComplete();
  });

  it("'auto' with the CPU variant given and nothing plugged in runs the CPU variant, as real TFLite computes it", async function () {
    await emptyBus(this);
    const cpu = readFileSync(coralFile(this, EXTRACTOR));
    const compiled = readFileSync(coralFile(this, EXTRACTOR_EDGETPU));
    const extractor = await EmbeddingExtractor.create(compiled, { device: 'auto', cpuModel: cpu });
    try {
      expect(extractor.device).to.equal('cpu');
      for (const input of [inputA(INPUT_BYTES), inputB(INPUT_BYTES)]) {
        expect(Array.from(await extractor.embed(input))).to.deep.equal(Array.from(referenceOutput(cpu, input)));
      }
    } finally {
      await extractor.close();
    }
  });

  it("'auto' and 'cpu' find the CPU variant beside an _edgetpu file", async function () {
    await emptyBus(this);
    const cpu = readFileSync(coralFile(this, EXTRACTOR));
    for (const device of ['auto', 'cpu'] as const) {
      const extractor = await EmbeddingExtractor.create(coralFile(this, EXTRACTOR_EDGETPU), { device });
      try {
        expect(extractor.device).to.equal('cpu');
        const input = inputA(INPUT_BYTES);
        expect(Array.from(await extractor.embed(input)), device).to.deep.equal(Array.from(referenceOutput(cpu, input)));
      } finally {
        await extractor.close();
      }
    }
  });

  it('on the CPU without a CPU variant: EdgeTpuRequiredError naming the file to give', async function () {
    await emptyBus(this);
    const compiled = coralFile(this, EXTRACTOR_EDGETPU);
    // Bytes: no file name to look beside.
    let e = await rejection(EmbeddingExtractor.create(readFileSync(compiled), { device: 'auto' }));
    expect(e).to.be.instanceOf(EdgeTpuRequiredError);
    expect((e as Error).message).to.match(/no Coral USB Accelerator is plugged in.*cpuModel option/);
    // A file alone in its folder: says which file it looked for.
    const dir = mkdtempSync(join(tmpdir(), 'extractor-device-'));
    try {
      const lonely = join(dir, EXTRACTOR_EDGETPU);
      symlinkSync(compiled, lonely);
      e = await rejection(EmbeddingExtractor.create(lonely, { device: 'cpu' }));
      expect(e).to.be.instanceOf(EdgeTpuRequiredError);
      expect((e as Error).message).to.include(`device 'cpu' was asked for`).and.include(`Give its CPU variant ${EXTRACTOR}`).and.include(join(dir, EXTRACTOR));
      expect((e as EdgeTpuRequiredError).cpuVariant).to.equal(join(dir, EXTRACTOR));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("'usb' and 'usb:N' with no such Edge TPU: EdgeTpuNotFoundError at create()", async function () {
    await emptyBus(this);
    const compiled = coralFile(this, EXTRACTOR_EDGETPU);
    for (const device of ['usb', 'usb:1'] as const) {
      const e = await rejection(EmbeddingExtractor.create(compiled, { device }));
      expect(e, device).to.be.instanceOf(EdgeTpuNotFoundError);
      expect((e as Error).message).to.match(/no Coral USB Accelerator is plugged in/);
    }
    const r = await extractorReplay(this);
    setDefaultUsbTransport(r.fake);
    const e = await rejection(EmbeddingExtractor.create(compiled, { device: 'usb:1' }));
    expect(e).to.be.instanceOf(EdgeTpuNotFoundError);
    expect((e as Error).message).to.match(/there are 1 Edge TPU\(s\) plugged in \(usb:0 to usb:0\)/);
  });

  it('wrong pairings: a CPU model on usb, an _edgetpu cpuModel, a CPU variant of another network, an unknown device', async function () {
    await emptyBus(this);
    const cpu = readFileSync(coralFile(this, EXTRACTOR));
    const compiled = readFileSync(coralFile(this, EXTRACTOR_EDGETPU));
    expect(await rejection(EmbeddingExtractor.create(cpu, { device: 'usb' }))).to.be.instanceOf(UnsupportedModelError).with.property('message').match(/it is a CPU model/);
    expect(await rejection(EmbeddingExtractor.create(compiled, { device: 'cpu', cpuModel: compiled }))).to.be.instanceOf(UnsupportedModelError).with.property('message').match(/compiled for the Edge TPU too/);
    const other = await Model.load(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'));
    expect(await rejection(EmbeddingExtractor.create(compiled, { device: 'cpu', cpuModel: other }))).to.be.instanceOf(UnsupportedModelError).with.property('message').match(/does not match/);
    expect(await rejection(EmbeddingExtractor.create(cpu, { device: 'gpu' as 'usb' }))).to.be.instanceOf(RangeError);
  });
});
