import { expect } from 'chai';
import { Model } from '../../src/tflite/index.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import { AsyncKernelError, EdgeTpuRequiredError } from '../../src/interpreter/errors.js';
import { EdgeTpuDevice, registerEdgeTpu } from '../../src/edgetpu/index.js';
import { concat, setUpReplay, type Replay } from './helpers.js';
import { readJson, requireTraces, traceCases, traceModelPath, type TraceCase } from './shared-data.js';
import { join } from 'node:path';

function find(model: string, scenario: TraceCase['scenario']): TraceCase | undefined {
  return traceCases().find((c) => c.model.startsWith(model) && c.scenario === scenario);
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function modelOf(ctx: Mocha.Context, c: TraceCase): Promise<Model> {
  return Model.load(traceModelPath(ctx, readJson<{ model: { file: { name: string } } }>(join(c.dir, `${c.scenario}.trace.json`))));
}

/** Runs inputs A and B through an interpreter and checks the op's outputs against the trace's results. */
async function twoInferences(interpreter: Interpreter, r: Replay, input: number): Promise<void> {
  for (const k of [0, 1] as const) {
    const inputs = interpreter.inputs.map((_, i) => (i === input ? r.inputs[k] : new Uint8Array(0)));
    const outs = await interpreter.run(inputs);
    expect(Buffer.from(concat(outs.map(bytesOf))).equals(Buffer.from(r.results[k])), `inference ${k}`).to.equal(true);
  }
}

describe('edgetpu kernel for the interpreter (edgetpu-custom-op)', function () {
  requireTraces();
  let n = 0;
  const deviceName = () => `trace-${n++}`;

  it('runs a compiled model through the Edge TPU: exactly the recorded traffic and results', async function () {
    const c = find('mobilenet_v1_0.25', 'warm');
    if (!c) this.skip();
    const r = await setUpReplay(this, c);
    const name = deviceName();
    registerEdgeTpu(name, r.options);
    const interpreter = await Interpreter.create(await modelOf(this, c), { device: name });
    expect(interpreter.outputs[0]!.shape).to.deep.equal([1, 1001]);
    await twoInferences(interpreter, r, 0);
    expect(() => interpreter.runSync([r.inputs[0]])).to.throw(AsyncKernelError);
    await interpreter.close();
    r.fake.assertComplete();
  });

  it('maps node inputs and outputs to the program\'s layers (feature-layers model: input tensor 1, output tensor 0)', async function () {
    const c = find('mobilenet_quant_v1_224_feature_layers', 'cold');
    if (!c) this.skip();
    const r = await setUpReplay(this, c);
    const name = deviceName();
    registerEdgeTpu(name, r.options);
    const model = await modelOf(this, c);
    expect(model.subgraph(0).inputs).to.deep.equal([1]);
    expect(model.subgraph(0).outputs).to.deep.equal([0]);
    const interpreter = await Interpreter.create(model, { device: name });
    await twoInferences(interpreter, r, 0);
    await interpreter.close();
    r.fake.assertComplete();
  });

  it('int8 inputs and five tiled outputs (the movenet op on its own)', async function () {
    const c = find('movenet', 'cold');
    if (!c) this.skip();
    const r = await setUpReplay(this, c);
    const name = deviceName();
    registerEdgeTpu(name, r.options);
    // Keep only the Edge TPU op: its input and outputs become the model's.
    const model = await modelOf(this, c);
    const g = model.raw.subgraphs[0]!;
    const op = g.operators[model.edgeTpuOperators()[0]!.operator]!;
    g.operators = [op];
    g.inputs = [...op.inputs];
    g.outputs = [...op.outputs];
    model.prune();
    const interpreter = await Interpreter.create(model, { device: name });
    expect(interpreter.inputs.map((t) => t.dtype)).to.deep.equal(['int8']);
    expect(interpreter.outputs.map((t) => t.name)).to.deep.equal(r.program.outputs.map((l) => l.name));
    await twoInferences(interpreter, r, 0);
    await interpreter.close();
    r.fake.assertComplete();
  });

  it('uses an EdgeTpuDevice the caller opened, and leaves it open', async function () {
    const c = find('mobilenet_v1_1.0_224_quant_embedding', 'warm-usb2');
    if (!c) this.skip();
    const r = await setUpReplay(this, c);
    const tpu = await EdgeTpuDevice.open(r.options);
    const name = deviceName();
    registerEdgeTpu(name, tpu);
    const interpreter = await Interpreter.create(await modelOf(this, c), { device: name });
    await twoInferences(interpreter, r, 0);
    await interpreter.close();
    expect(tpu.isOpen).to.equal(true);
    await tpu.close();
    r.fake.assertComplete();
  });

  it('is not used on the CPU (the default device) or on devices that are not Edge TPUs', async function () {
    const c = find('mobilenet_v1_0.25', 'warm');
    if (!c) this.skip();
    for (const [device, pattern] of [
      [undefined, /needs an Edge TPU.*the interpreter runs on the CPU.*device: 'usb'.*without _edgetpu/],
      ['cpu', /the interpreter was created for device 'cpu'/],
      ['gpu', /the interpreter's device 'gpu' is not an Edge TPU/],
    ] as const) {
      let err: unknown;
      try {
        await Interpreter.create(await modelOf(this, c), device === undefined ? {} : { device });
      } catch (e) {
        err = e;
      }
      expect(err, String(device)).to.be.instanceOf(EdgeTpuRequiredError);
      expect((err as Error).message).to.match(pattern);
    }
  });
});
