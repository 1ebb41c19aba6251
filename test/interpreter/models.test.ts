import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interpreter } from '../../src/interpreter/index.js';
import { kernelDtypeOf } from '../../src/interpreter/kernel-resolution.js';
import { findKernel } from '../../src/interpreter/registry.js';
import { setWasmKernelsEnabled } from '../../src/interpreter/wasm/module.js';
import { Model, bytesPerElement, type TypedArray } from '../../src/tflite/index.js';
import { CORAL_TEST_DATA, coralFile, coralModels, requireCoralData } from '../helpers/data.js';
import { imageInputBytes, readBmp } from '../helpers/reference-image.js';
import { patternBytes, referenceRun } from '../helpers/tflite-oracle.js';

/**
 * Ops whose kernels other issues of this project provide. A model that needs one of them and
 * finds no kernel is reported as pending (skipped, naming the ops); a model missing any other
 * op fails.
 */
const OTHER_ISSUES_OPS = new Set([
  'SUB', 'MUL', 'DIV', 'FLOOR_DIV', 'FLOOR_MOD', 'SQUARED_DIFFERENCE', 'MAXIMUM', 'MINIMUM', 'POW',
  'LOGISTIC', 'TANH', 'RELU', 'RELU6', 'RELU_N1_TO_1', 'RELU_0_TO_1', 'LEAKY_RELU', 'PRELU', 'HARD_SWISH', 'ELU', 'GELU',
  'SQRT', 'RSQRT', 'EXP', 'LOG', 'ABS', 'NEG', 'SQUARE', 'FLOOR', 'CEIL', 'ROUND', 'SIN', 'COS', 'SIGN',
  'ARG_MAX', 'ARG_MIN', 'CAST', 'PAD', 'PADV2', 'MIRROR_PAD', 'SLICE', 'STRIDED_SLICE', 'SPLIT', 'SPLIT_V', 'TRANSPOSE',
  'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'GATHER', 'GATHER_ND', 'PACK', 'UNPACK', 'SQUEEZE', 'EXPAND_DIMS', 'TILE',
  'SPACE_TO_DEPTH', 'DEPTH_TO_SPACE', 'SUM', 'REDUCE_MAX', 'REDUCE_MIN', 'REDUCE_PROD', 'TRANSPOSE_CONV',
  'UNIDIRECTIONAL_SEQUENCE_LSTM', 'LSTM', 'L2_NORMALIZATION',
]);

const IMAGES = ['cat.bmp', 'grace_hopper.bmp'];

interface Inputs {
  label: string;
  bytes: Uint8Array[];
}

function byteSize(shape: readonly number[], dtype: string): number {
  return shape.reduce((a, d) => a * d, 1) * (bytesPerElement(dtype as never) ?? 1);
}

const asBytes = (t: TypedArray): Uint8Array => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);

/** Runs `inputs` through our interpreter and real TFLite and asserts equal bytes for every output. */
async function expectSameOutputs(modelBytes: Uint8Array, interpreter: Interpreter, inputs: Inputs, path: string): Promise<void> {
  const ours = (await interpreter.run(inputs.bytes)).map((o) => Uint8Array.from(asBytes(o)));
  const theirs = referenceRun(modelBytes, inputs.bytes).outputs;
  expect(ours.length).to.equal(theirs.length);
  theirs.forEach((t, k) => {
    expect(interpreter.outputs[k]!.shape, `output ${k} shape`).to.deep.equal(t.shape);
    const o = ours[k]!;
    let differing = 0;
    let first = -1;
    for (let i = 0; i < t.bytes.length; i++) {
      if (o[i] !== t.bytes[i]) {
        differing++;
        if (first < 0) first = i;
      }
    }
    if (differing > 0 || o.length !== t.bytes.length) {
      expect.fail(`${inputs.label}, ${path} kernels: output ${k} differs from TFLite in ${differing} of ${t.bytes.length} bytes (first at ${first}: ours ${o[first]}, TFLite ${t.bytes[first]})`);
    }
  });
}

describe('CPU models: byte-identical to TFLite 2.9', function () {
  this.timeout(300_000);
  requireCoralData();

  for (const name of coralModels()) {
    const model = Model.fromBuffer(readFileSync(join(CORAL_TEST_DATA, name)));
    // Real TFLite cannot run custom ops (the Edge TPU's or Coral's): no oracle for those models.
    if (model.operatorCodes.some((c) => c.customCode !== null)) continue;

    const g = model.subgraph(0);
    const tensors = g.tensors;
    const missing = [...new Set(g.operators.filter((op) => !findKernel(op.op, kernelDtypeOf(op, tensors) ?? 'float32')).map((op) => op.op))];
    const pending = missing.length > 0 && missing.every((op) => OTHER_ISSUES_OPS.has(op));

    describe(name, function () {
      if (pending) {
        it.skip(`pending kernels from other issues: ${missing.join(', ')}`);
        return;
      }

      let bytes: Uint8Array;
      const interpreters: Array<{ path: string; interpreter: Interpreter }> = [];
      before(async function () {
        bytes = new Uint8Array(readFileSync(coralFile(this as unknown as Mocha.Context, name)));
        // Both kernel paths: the default (WebAssembly where it runs) and the TypeScript reference.
        interpreters.push({ path: 'default', interpreter: await Interpreter.create(bytes) });
        setWasmKernelsEnabled(false);
        try {
          interpreters.push({ path: 'TypeScript', interpreter: await Interpreter.create(bytes) });
        } finally {
          setWasmKernelsEnabled(true);
        }
      });
      after(async () => {
        for (const { interpreter } of interpreters) await interpreter.close();
      });

      it('pattern input', async function () {
        const inputs = { label: 'pattern', bytes: interpreters[0]!.interpreter.inputs.map((d) => patternBytes(byteSize(d.shape, d.dtype))) };
        for (const { path, interpreter } of interpreters) await expectSameOutputs(bytes, interpreter, inputs, path);
      });

      for (const image of IMAGES) {
        it(`${image} (nearest resize, as tflite-ref.js --bmp)`, async function () {
          const img = readBmp(coralFile(this, image));
          const details = interpreters[0]!.interpreter.inputs;
          const inputs = { label: image, bytes: details.map((d) => imageInputBytes(img, d.shape, d.dtype) ?? new Uint8Array(byteSize(d.shape, d.dtype))) };
          for (const { path, interpreter } of interpreters) await expectSameOutputs(bytes, interpreter, inputs, path);
        });
      }
    });
  }
});
