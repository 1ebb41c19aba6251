import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  AsyncKernelError,
  EdgeTpuRequiredError,
  Interpreter,
  InterpreterStateError,
  InvalidInputError,
  UnsupportedModelError,
  UnsupportedOperatorError,
  findKernel,
  registerKernel,
  type KernelNode,
} from '../../src/interpreter/index.js';
import { EdgeTpuLearnError } from '../../src/errors.js';
import { InvalidModelError, Model, fb, type TypedArray } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { singleOpModel } from '../helpers/single-op-model.js';
import { patternBytes, referenceRun } from '../helpers/tflite-oracle.js';

/** The elements of a (non-BigInt) typed array as numbers. */
const numbers = (t: TypedArray): number[] => Array.from(t as ArrayLike<number>);

/** Rejection of a promise, or the error a function throws. */
async function caught(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  expect.fail('expected an error');
}

/** A small uint8 model: AVERAGE_POOL_2D [1,4,4,2] → [1,2,2,2], then RESHAPE to [1,8]. */
function poolReshapeModel(): Model {
  const m = Model.create();
  const g = m.subgraph();
  const q = { scale: [0.1], zeroPoint: [3] };
  const x = g.addTensor({ name: 'image', shape: [1, 4, 4, 2], dtype: 'uint8', quantization: q });
  const p = g.addTensor({ name: 'pooled', shape: [1, 2, 2, 2], dtype: 'uint8', quantization: q });
  const y = g.addTensor({ name: 'flat', shape: [1, 8], dtype: 'uint8', quantization: q });
  g.addOperator({ op: 'AVERAGE_POOL_2D', inputs: [x], outputs: [p], options: new fb.Pool2DOptionsT(fb.Padding.VALID, 2, 2, 2, 2) });
  g.addOperator({ op: 'RESHAPE', inputs: [p], outputs: [y], options: new fb.ReshapeOptionsT([1, 8]) });
  g.setInputs([x]);
  g.setOutputs([y]);
  return m;
}

// Test-only kernels: an asynchronous one and one that records what it was given.
const seenDevices: Array<string | undefined> = [];
let closedKernels = 0;
registerKernel({
  op: 'test-async-copy',
  dtypes: ['uint8'],
  prepare(node: KernelNode) {
    const from = node.inputs[0]!.bytes;
    const to = node.outputs[0]!.bytes;
    seenDevices.push(node.device);
    const run = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 5));
      to.set(from);
    };
    return Object.assign(run, { close: () => void closedKernels++ });
  },
});

function asyncCopyModel(): Uint8Array {
  return singleOpModel({ op: 'test-async-copy', inputs: [{ shape: [4], dtype: 'uint8' }], outputs: [{ shape: [4], dtype: 'uint8' }] });
}

describe('Interpreter', function () {
  describe('create() checks the whole model', function () {
    it('kernel errors name the operator, its index and types: InvalidModelError for what TFLite rejects, UnsupportedOperatorError for what a kernel lacks', async function () {
      const q = { scale: 0.5, zeroPoint: 10 };
      const weights = new Uint8Array(4 * 3).fill(7);
      const cases: Array<{ what: string; model: Uint8Array; error: typeof InvalidModelError | typeof UnsupportedOperatorError; message: RegExp }> = [
        {
          what: 'FULLY_CONNECTED weights without quantization',
          model: singleOpModel({ op: 'FULLY_CONNECTED', inputs: [{ shape: [1, 3], dtype: 'uint8', quant: q }, { shape: [4, 3], dtype: 'uint8', data: weights }], outputs: [{ shape: [1, 4], dtype: 'uint8', quant: q }], options: new fb.FullyConnectedOptionsT() }),
          error: InvalidModelError,
          message: /^operator 0 \(FULLY_CONNECTED: uint8, uint8 → uint8\): the weights \(uint8\) has no quantization parameters/,
        },
        {
          what: 'PAD whose output type differs from its input',
          model: singleOpModel({ op: 'PAD', inputs: [{ shape: [1, 2], dtype: 'int32' }, { shape: [2, 2], dtype: 'int32', data: new Int32Array([0, 0, 1, 1]) }], outputs: [{ shape: [1, 4], dtype: 'float32' }] }),
          error: InvalidModelError,
          message: /^operator 0 \(PAD: int32, int32 → float32\): 'input_0' is int32 but 'output_0' is float32; they must match$/,
        },
        {
          what: 'FULLY_CONNECTED weights computed at run time',
          model: singleOpModel({ op: 'FULLY_CONNECTED', inputs: [{ shape: [1, 3], dtype: 'uint8', quant: q }, { shape: [4, 3], dtype: 'uint8', quant: q }], outputs: [{ shape: [1, 4], dtype: 'uint8', quant: q }], options: new fb.FullyConnectedOptionsT() }),
          error: UnsupportedOperatorError,
          message: /^operator 0 \(FULLY_CONNECTED: uint8, uint8 → uint8\) is not supported: the weights are not a constant tensor/,
        },
      ];
      for (const c of cases) {
        const e = await caught(() => Interpreter.create(c.model));
        expect(e, c.what).to.be.instanceOf(c.error);
        expect((e as Error).message, c.what).to.match(c.message);
      }
    });

    it('throws UnsupportedOperatorError naming the op, its index and types, for an op without a kernel', async function () {
      const m = poolReshapeModel();
      const g = m.subgraph();
      const out = g.addTensor({ name: 'custom_out', shape: [1, 8], dtype: 'uint8' });
      g.addOperator({ op: 'my-custom-op', inputs: [g.outputs[0]!], outputs: [out] });
      g.setOutputs([out]);
      const e = await caught(() => Interpreter.create(m));
      expect(e).to.be.instanceOf(UnsupportedOperatorError);
      const err = e as UnsupportedOperatorError;
      expect(err.op).to.equal('my-custom-op');
      expect(err.operatorIndex).to.equal(2);
      expect(err.inputTypes).to.deep.equal(['uint8']);
      expect(err.message).to.include('operator 2').and.include('my-custom-op').and.include('uint8 → uint8');
      expect(err.code).to.equal('UNSUPPORTED_OPERATOR');
    });

    it('names the types a kernel handles when the op exists for other types, and lists every missing op', async function () {
      const model = singleOpModel({
        op: 'MEAN',
        inputs: [{ shape: [1, 3, 3, 2], dtype: 'float32' }, { shape: [2], dtype: 'int32', data: Int32Array.from([1, 2]) }],
        outputs: [{ shape: [1, 1, 1, 2], dtype: 'float32' }],
        options: new fb.ReducerOptionsT(true),
      });
      const m = Model.fromBuffer(model);
      const g = m.subgraph();
      const out = g.addTensor({ name: 'z', shape: [1, 1, 1, 2], dtype: 'float32' });
      g.addOperator({ op: 'another-custom-op', inputs: [g.outputs[0]!], outputs: [out] });
      const err = (await caught(() => Interpreter.create(m))) as UnsupportedOperatorError;
      expect(err).to.be.instanceOf(UnsupportedOperatorError);
      expect(err.message).to.include('operator 0 (MEAN').and.include('uint8, int8').and.include('float32').and.include('another-custom-op');
      expect(err.missingOps).to.deep.equal(['MEAN', 'another-custom-op']);
    });

    it('throws EdgeTpuRequiredError for an Edge TPU model, pointing to its CPU variant', async function () {
      const path = coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite');
      // device 'cpu' refuses Edge TPU programs even when an Edge TPU kernel is registered.
      const e = await caught(() => Interpreter.create(path, { device: 'cpu' }));
      expect(e).to.be.instanceOf(EdgeTpuRequiredError);
      expect((e as Error).message).to.include('needs an Edge TPU').and.include('mobilenet_v1_0.25_128_quant.tflite').and.include('without _edgetpu');
      if (findKernel('edgetpu-custom-op', 'uint8')) return; // an Edge TPU backend is registered in this process
      const withoutKernel = await caught(() => Interpreter.create(path));
      expect(withoutKernel).to.be.instanceOf(EdgeTpuRequiredError);
      expect((withoutKernel as Error).message).to.include('no Edge TPU kernel is registered');
    });

    it('rejects dynamic shapes with UnsupportedModelError', async function () {
      const m = poolReshapeModel();
      m.subgraph().raw.tensors[0]!.shapeSignature = [-1, 4, 4, 2];
      const e = await caught(() => Interpreter.create(m));
      expect(e).to.be.instanceOf(UnsupportedModelError);
      expect((e as Error).message).to.include("tensor 0 ('image')").and.include('dynamic shape');
    });

    it('rejects invalid quantization (zero or non-finite scale, zero point out of range) with InvalidModelError', async function () {
      const cases: Array<[string, (q: fb.QuantizationParametersT) => void, string]> = [
        ['zero scale', (q) => (q.scale = [0]), 'scale is zero'],
        ['NaN scale', (q) => (q.scale = [NaN]), 'not finite'],
        ['infinite scale', (q) => (q.scale = [Infinity]), 'not finite'],
        ['zero point 300 for uint8', (q) => (q.zeroPoint = [300n]), 'outside the uint8 range'],
        ['zero point −1 for uint8', (q) => (q.zeroPoint = [-1n]), 'outside the uint8 range'],
      ];
      for (const [label, edit, text] of cases) {
        const m = poolReshapeModel();
        edit(m.subgraph().raw.tensors[1]!.quantization!);
        const e = await caught(() => Interpreter.create(m));
        expect(e, label).to.be.instanceOf(InvalidModelError);
        expect((e as Error).message, label).to.include("tensor 1 ('pooled'").and.include(text);
      }
    });

    it('reports kernel-level problems at create(), not at run()', async function () {
      // An int8 softmax whose output is not scaled 1/256: TFLite refuses it at prepare time too.
      const model = singleOpModel({
        op: 'SOFTMAX',
        inputs: [{ shape: [1, 10], dtype: 'int8', quant: { scale: 0.1, zeroPoint: 0 } }],
        outputs: [{ shape: [1, 10], dtype: 'int8', quant: { scale: 0.1, zeroPoint: 0 } }],
        options: new fb.SoftmaxOptionsT(1),
      });
      expect(() => referenceRun(model, [new Uint8Array(10)])).to.throw();
      const e = await caught(() => Interpreter.create(model));
      expect(e).to.be.instanceOf(EdgeTpuLearnError);
      expect((e as Error).message).to.include('operator 0 (SOFTMAX').and.include('1/256');
    });
  });

  describe('inputs and outputs', function () {
    it('describes the model inputs and outputs', async function () {
      const interpreter = await Interpreter.create(poolReshapeModel());
      expect(interpreter.inputs).to.have.length(1);
      expect(interpreter.inputs[0]).to.deep.include({ index: 0, name: 'image', shape: [1, 4, 4, 2], dtype: 'uint8' });
      expect(Array.from(interpreter.inputs[0]!.quantization!.zeroPoint)).to.deep.equal([3]);
      expect(interpreter.outputs[0]).to.deep.include({ index: 2, name: 'flat', shape: [1, 8], dtype: 'uint8' });
    });

    it('rejects wrong input count, type and length with InvalidInputError before running', async function () {
      const interpreter = await Interpreter.create(poolReshapeModel());
      const good = new Uint8Array(32);
      const cases: Array<[string, unknown, RegExp]> = [
        ['no inputs', [], /takes 1 input \('image'\), got 0/],
        ['two inputs', [good, good], /takes 1 input/],
        ['a Float32Array', [new Float32Array(32)], /input 0 \('image'\) is uint8\[1, 4, 4, 2\].*Uint8Array of 32 elements.*got a Float32Array of 32 elements \(128 bytes\)/],
        ['too short', [new Uint8Array(31)], /32 raw bytes; got a Uint8Array of 31 elements/],
        ['not an array', [[1, 2, 3]], /got Array/],
        ['unknown name', { picture: good }, /missing 'image'; no input is named 'picture'/],
      ];
      for (const [label, inputs, message] of cases) {
        const e = await caught(() => interpreter.run(inputs as never));
        expect(e, label).to.be.instanceOf(InvalidInputError);
        expect((e as Error).message, label).to.match(message);
        expect(() => interpreter.runSync(inputs as never), label).to.throw(InvalidInputError);
      }
    });

    it('takes inputs by name, and raw bytes for any type', async function () {
      const model = singleOpModel({
        op: 'ADD',
        inputs: [{ shape: [2, 2], dtype: 'float32', name: 'a' }, { shape: [2, 2], dtype: 'float32', name: 'b' }],
        outputs: [{ shape: [2, 2], dtype: 'float32' }],
        options: new fb.AddOptionsT(),
      });
      const interpreter = await Interpreter.create(model);
      const a = Float32Array.from([1, 2, 3, 4]);
      const b = Float32Array.from([10, 20, 30, 40]);
      expect(numbers(interpreter.runSync({ b, a })[0]!)).to.deep.equal([11, 22, 33, 44]);
      const rawB = new Uint8Array(b.buffer.slice(0));
      expect(numbers(interpreter.runSync([a, rawB])[0]!)).to.deep.equal([11, 22, 33, 44]);
    });
  });

  describe('run()', function () {
    it('gives the same bytes on every run, in the same output arrays, with no new memory', async function () {
      const interpreter = await Interpreter.create(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'));
      const input = patternBytes(128 * 128 * 3);
      const arena = interpreter.arenaBytes;
      const first = await interpreter.run([input]);
      const copy = first[0]!.slice();
      const second = await interpreter.run([input]);
      expect(second[0]).to.equal(first[0]); // the same typed array object: the dedicated output buffer
      expect(Buffer.from(second[0]!.buffer, second[0]!.byteOffset, second[0]!.byteLength).equals(Buffer.from(copy.buffer))).to.equal(true);
      expect(interpreter.runSync([input])[0]).to.equal(first[0]);
      expect(interpreter.arenaBytes).to.equal(arena);
    });

    it('overwrites the previous outputs on the next run (documented), while inputs stay the caller’s', async function () {
      const interpreter = await Interpreter.create(poolReshapeModel());
      const a = new Uint8Array(32).fill(10);
      const out = interpreter.runSync([a])[0]!;
      expect(numbers(out)).to.deep.equal(new Array(8).fill(10));
      interpreter.runSync([new Uint8Array(32).fill(200)]);
      expect(numbers(out)).to.deep.equal(new Array(8).fill(200));
      expect(a[0]).to.equal(10);
    });

    it('shares one arena between intermediates whose lifetimes do not overlap', async function () {
      const interpreter = await Interpreter.create(coralFile(this, 'mobilenet_v2_1.0_224_quant.tflite'));
      expect(interpreter.arenaBytes).to.be.greaterThan(0);
      expect(interpreter.arenaBytes).to.be.lessThan(interpreter.unsharedIntermediateBytes / 3);
      // The stride-2 depthwise layer reads 112×112×96 and writes 56×56×96 at the same time.
      expect(interpreter.arenaBytes).to.be.at.least(112 * 112 * 96 + 56 * 56 * 96);
    });

    it('runs asynchronous kernels in run(); runSync() refuses them with AsyncKernelError', async function () {
      const interpreter = await Interpreter.create(asyncCopyModel());
      const out = await interpreter.run([Uint8Array.from([1, 2, 3, 4])]);
      expect(numbers(out[0]!)).to.deep.equal([1, 2, 3, 4]);
      expect(() => interpreter.runSync([new Uint8Array(4)])).to.throw(AsyncKernelError, /operator 0 \(test-async-copy\) completes asynchronously/);
    });

    it('refuses a second run while one is in progress, and any run after close()', async function () {
      const interpreter = await Interpreter.create(asyncCopyModel());
      const running = interpreter.run([new Uint8Array(4)]);
      const e = await caught(() => interpreter.run([new Uint8Array(4)]));
      expect(e).to.be.instanceOf(InterpreterStateError);
      await running;
      const before = closedKernels;
      await interpreter.close();
      expect(closedKernels).to.equal(before + 1);
      expect(await caught(() => interpreter.run([new Uint8Array(4)]))).to.be.instanceOf(InterpreterStateError);
    });

    it('hands the device option to every kernel', async function () {
      seenDevices.length = 0;
      await Interpreter.create(asyncCopyModel(), { device: 'usb:0' });
      await Interpreter.create(asyncCopyModel());
      expect(seenDevices).to.deep.equal(['usb:0', undefined]);
    });
  });
});

describe('Interpreter on a .tflite read from disk', function () {
  it('accepts a path, bytes or a Model and gives the same result', async function () {
    const path = coralFile(this, 'tools/mobilenet_quant_v1_224_head_layers.tflite');
    const bytes = new Uint8Array(readFileSync(path));
    const input = patternBytes(1024);
    const results = [];
    for (const source of [path, bytes, Model.fromBuffer(bytes)]) {
      const interpreter = await Interpreter.create(source);
      results.push(numbers(interpreter.runSync([input])[0]!));
    }
    expect(results[1]).to.deep.equal(results[0]);
    expect(results[2]).to.deep.equal(results[0]);
    expect(results[0]).to.deep.equal(Array.from(referenceRun(bytes, [input]).outputs[0]!.bytes));
  });
});
