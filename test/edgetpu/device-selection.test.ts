import { expect } from 'chai';
import { join } from 'node:path';
import { Model } from '../../src/tflite/index.js';
import { EdgeTpuRequiredError, Interpreter } from '../../src/interpreter/index.js';
import { registerEdgeTpu } from '../../src/edgetpu/index.js';
import { setDefaultUsbTransport } from '../../src/testing/index.js';
import { coralFile } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { concat, setUpReplay, type Replay } from './helpers.js';
import { inputA, readJson, requireTraces, traceCases, traceModelPath, type TraceCase } from './shared-data.js';

function traceCase(ctx: Mocha.Context, model: string, scenario: TraceCase['scenario']): TraceCase {
  const c = traceCases().find((t) => t.model.startsWith(model) && t.scenario === scenario);
  if (!c) requireTraceCase(ctx, model, scenario);
  return c!;
}

function requireTraceCase(ctx: Mocha.Context, model: string, scenario: string): never {
  if (process.env.CI) throw new Error(`trace ${model} ${scenario} missing`);
  ctx.skip();
  throw new Error('not reached');
}

function modelPathOf(ctx: Mocha.Context, c: TraceCase): string {
  return traceModelPath(ctx, readJson<{ model: { file: { name: string } } }>(join(c.dir, `${c.scenario}.trace.json`)));
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A bus with nothing on it: the replay device of a trace, unplugged before anyone looks. */
async function emptyBus(ctx: Mocha.Context): Promise<Replay> {
  const r = await setUpReplay(ctx, traceCase(ctx, 'mobilenet_v1_0.25', 'warm'));
  r.fake.unplug();
  return r;
}

/** Runs inputs A and B, checking the outputs against the trace's results. */
async function twoInferences(interpreter: Interpreter, r: Replay): Promise<void> {
  for (const k of [0, 1] as const) {
    const outs = await interpreter.run([r.inputs[k]]);
    expect(Buffer.from(concat(outs.map(bytesOf))).equals(Buffer.from(r.results[k])), `inference ${k}`).to.equal(true);
  }
}

describe('edgetpu: device selection (cpu, usb, usb:N, auto)', function () {
  requireTraces();

  afterEach(function () {
    setDefaultUsbTransport(null);
  });

  it("'auto' with an Edge TPU plugged in runs an _edgetpu model on it: exactly the recorded traffic and results", async function () {
    const c = traceCase(this, 'mobilenet_v1_0.25', 'warm');
    const r = await setUpReplay(this, c);
    setDefaultUsbTransport(r.fake);
    const interpreter = await Interpreter.create(modelPathOf(this, c), { device: 'auto' });
    try {
      await twoInferences(interpreter, r);
    } finally {
      await interpreter.close();
    }
    r.fake.assertComplete();
  });

  it("'usb:0' names the first Edge TPU listEdgeTpus() reports", async function () {
    const c = traceCase(this, 'mobilenet_v1_1.0_224_quant_embedding', 'warm-usb2');
    const r = await setUpReplay(this, c);
    setDefaultUsbTransport(r.fake);
    const interpreter = await Interpreter.create(modelPathOf(this, c), { device: 'usb:0' });
    try {
      await twoInferences(interpreter, r);
    } finally {
      await interpreter.close();
    }
    r.fake.assertComplete();
  });

  it("'usb': the custom op on the device, the CPU ops before and after it on the interpreter (movenet, as real TFLite computes the tail)", async function () {
    const c = traceCase(this, 'movenet', 'cold');
    const r = await setUpReplay(this, c);
    const path = modelPathOf(this, c);
    setDefaultUsbTransport(r.fake);
    // The cold trace starts in the bootloader: 'usb' needs the firmware file (and no reset pause, to be quick).
    registerEdgeTpu('usb', { firmware: r.options.firmware!, resetDelayMs: 0 });
    try {
      const model = await Model.load(path);
      const op = model.edgeTpuOperators()[0]!;
      // The tail of the model: everything after the custom op, fed with the op's outputs.
      const tail = await Model.load(path);
      const g = tail.raw.subgraphs[0]!;
      g.operators = g.operators.slice(op.operator + 1);
      g.inputs = [...op.outputs];
      tail.prune();
      const tailBytes = tail.toBuffer();
      const outputSizes = op.outputs.map((t) => model.subgraph(0).tensors[t]!.shape.reduce((a, d) => a * d, 1));

      const interpreter = await Interpreter.create(path, { device: 'usb' });
      try {
        expect(interpreter.inputs[0]!.dtype).to.equal('uint8');
        for (const k of [0, 1] as const) {
          // CAST + QUANTIZE (scale 1, zero point -128) turn the uint8 input u into the int8 u - 128, i.e. the byte u ^ 0x80.
          const input = r.inputs[k].map((b) => b ^ 0x80);
          const [out] = await interpreter.run([input]);
          const parts: Uint8Array[] = [];
          let at = 0;
          for (const size of outputSizes) parts.push(r.results[k].subarray(at, (at += size)));
          const expected = referenceRun(tailBytes, parts).outputs[0]!.bytes;
          expect(Buffer.from(bytesOf(out!)).equals(Buffer.from(expected)), `inference ${k}`).to.equal(true);
        }
      } finally {
        await interpreter.close();
      }
      r.fake.assertComplete();
    } finally {
      // Back to the built-in meaning of 'usb' for the tests that follow.
      registerEdgeTpu('usb', {});
    }
  });

  it("'auto' with nothing plugged in: a CPU model runs on the CPU, as real TFLite computes it", async function () {
    setDefaultUsbTransport((await emptyBus(this)).fake);
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const interpreter = await Interpreter.create(path, { device: 'auto' });
    try {
      const input = inputA(128 * 128 * 3);
      const [out] = await interpreter.run([input]);
      expect(Buffer.from(bytesOf(out!)).equals(Buffer.from(referenceRun(await Model.load(path).then((m) => m.toBuffer()), [input]).outputs[0]!.bytes))).to.equal(true);
      // No kernel waits on a device: it runs synchronously too.
      expect(Buffer.from(bytesOf(interpreter.runSync([input])[0]!)).equals(Buffer.from(bytesOf(out!)))).to.equal(true);
    } finally {
      await interpreter.close();
    }
  });

  it("'auto' with nothing plugged in: an _edgetpu model fails with EdgeTpuRequiredError naming its CPU variant", async function () {
    setDefaultUsbTransport((await emptyBus(this)).fake);
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite');
    const e = await rejection(Interpreter.create(path, { device: 'auto' }));
    expect(e).to.be.instanceOf(EdgeTpuRequiredError);
    expect((e as EdgeTpuRequiredError).message).to.match(/mobilenet_v1_0\.25_128_quant_edgetpu\.tflite is compiled for the Edge TPU.*no Coral USB Accelerator is plugged in.*its CPU variant mobilenet_v1_0\.25_128_quant\.tflite/);
    expect((e as EdgeTpuRequiredError).cpuVariant).to.equal('mobilenet_v1_0.25_128_quant.tflite');
  });

  it("'cpu' never uses the Edge TPU, even with one plugged in", async function () {
    const c = traceCase(this, 'mobilenet_v1_0.25', 'warm');
    const r = await setUpReplay(this, c);
    setDefaultUsbTransport(r.fake);
    const e = await rejection(Interpreter.create(modelPathOf(this, c), { device: 'cpu' }));
    expect(e).to.be.instanceOf(EdgeTpuRequiredError);
    expect((e as Error).message).to.match(/device 'cpu'.*mobilenet_v1_0\.25_128_quant\.tflite/);
    expect((e as EdgeTpuRequiredError).cpuVariant).to.equal('mobilenet_v1_0.25_128_quant.tflite');
  });

  it("fromModel (synchronous) resolves 'auto' for CPU models, and asks for create() for _edgetpu ones", async function () {
    const cpu = await Model.load(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'));
    expect(Interpreter.fromModel(cpu, { device: 'auto' }).outputs[0]!.shape).to.deep.equal([1, 1001]);
    const compiled = await Model.load(coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite'));
    expect(() => Interpreter.fromModel(compiled, { device: 'auto' })).to.throw(RangeError, /await Interpreter\.create/);
  });

  it("'cpu' and 'auto' cannot name an Edge TPU", function () {
    expect(() => registerEdgeTpu('auto', {})).to.throw(RangeError);
    expect(() => registerEdgeTpu('cpu', {})).to.throw(RangeError);
  });
});
