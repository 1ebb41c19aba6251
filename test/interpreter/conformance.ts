import { expect } from 'chai';
import { createRequire } from 'node:module';
import { Model, bytesPerElement, type DType } from '../../src/tflite/index.js';
import { singleOpModel, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import '../../src/interpreter/kernels/index.js';
import { EdgeTpuLearnError } from '../../src/errors.js';

/** Random bytes for an input of this type: raw bytes for integers, finite values for floats. */
export function randomInput(rand: () => number, dtype: DType, shape: readonly number[], range = 10): Uint8Array {
  const n = shape.reduce((a, d) => a * d, 1);
  if (dtype === 'float32') {
    const f = Float32Array.from({ length: n }, () => (rand() * 2 - 1) * range);
    return new Uint8Array(f.buffer);
  }
  const bytes = new Uint8Array(n * (bytesPerElement(dtype) ?? 1));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
  return bytes;
}

export interface Comparison {
  model: Uint8Array;
  ours: Uint8Array[];
  theirs: Uint8Array[];
  theirShapes: number[][];
}

/** Several runs of one model through our interpreter (state in variable tensors carries over), output bytes copied out. */
export function runOursSequence(model: Uint8Array, runs: Uint8Array[][]): Uint8Array[][] {
  const interpreter = Interpreter.fromModel(Model.fromBuffer(model));
  return runs.map((inputs) => interpreter.runSync(inputs).map((o) => Uint8Array.from(new Uint8Array(o.buffer, o.byteOffset, o.byteLength))));
}

interface OracleTensor {
  data(): ArrayBufferView;
}
interface OracleRunner {
  getInputs(): OracleTensor[];
  getOutputs(): OracleTensor[];
  infer(): boolean;
}

/**
 * Several runs of one model in one real TFLite interpreter (referenceRun makes a fresh one per
 * run), for ops whose state carries over between runs.
 */
export function referenceRunSequence(model: Uint8Array, runs: Uint8Array[][]): Uint8Array[][] {
  const tflite = createRequire(import.meta.url)('tfjs-tflite-node') as { TFLiteNodeModelRunner: new (m: ArrayBuffer, o: { threads?: number }) => OracleRunner };
  const runner = new tflite.TFLiteNodeModelRunner(model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer, { threads: 1 });
  const bytes = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return runs.map((inputs) => {
    runner.getInputs().forEach((t, k) => bytes(t.data()).set(inputs[k]!));
    if (!runner.infer()) throw new Error('oracle: TFLite inference failed');
    return runner.getOutputs().map((t) => Uint8Array.from(bytes(t.data())));
  });
}

/** One run of a model through our interpreter (created for this run), output bytes copied out. */
export function runOurs(model: Uint8Array, inputs: Uint8Array[]): Uint8Array[] {
  const interpreter = Interpreter.fromModel(Model.fromBuffer(model));
  const outputs = interpreter.runSync(inputs);
  return outputs.map((o) => Uint8Array.from(new Uint8Array(o.buffer, o.byteOffset, o.byteLength)));
}

/** Runs a one-op model through our interpreter and real TFLite 2.9. */
export function runBoth(spec: SingleOpSpec, inputs: Uint8Array[]): Comparison {
  const model = singleOpModel(spec);
  const ref = referenceRun(model, inputs);
  const ours = runOurs(model, inputs);
  return { model, ours, theirs: ref.outputs.map((o) => o.bytes), theirShapes: ref.outputs.map((o) => o.shape) };
}

/**
 * The output shapes real TFLite computes for a spec (it resizes outputs itself, whatever the
 * model says), or null when TFLite refuses the model at prepare time.
 */
export function tfliteOutputShapes(spec: SingleOpSpec): number[][] | null {
  const model = singleOpModel(spec);
  const inputs = Model.fromBuffer(model).subgraph(0).inputTensors.map((t) => new Uint8Array(t.shape.reduce((a, d) => a * d, 1) * (bytesPerElement(t.dtype) ?? 1)));
  try {
    return referenceRun(model, inputs).outputs.map((o) => o.shape);
  } catch {
    return null;
  }
}

/**
 * Real TFLite refuses the model (when it prepares it, or for some checks only when it runs
 * it), and our Interpreter refuses it at create() with one of our typed errors.
 */
export async function expectBothReject(spec: SingleOpSpec): Promise<void> {
  const model = singleOpModel(spec);
  const inputs = Model.fromBuffer(model).subgraph(0).inputTensors.map((t) => new Uint8Array(t.shape.reduce((a, d) => a * d, 1) * (bytesPerElement(t.dtype) ?? 1)));
  expect(() => referenceRun(model, inputs), `TFLite accepts this ${spec.op}`).to.throw(/prepare|allocate|invoke/i);
  let error: unknown;
  try {
    await Interpreter.create(model);
  } catch (e) {
    error = e;
  }
  expect(error, `our interpreter accepts this ${spec.op}`).to.be.instanceOf(EdgeTpuLearnError);
}

/** Asserts byte-for-byte equality of every output (and TFLite's output shapes equal the model's). */
export function expectSameAsTflite(spec: SingleOpSpec, inputs: Uint8Array[], label = spec.op): void {
  const r = runBoth(spec, inputs);
  r.theirShapes.forEach((s, k) => expect(s, `${label}: output ${k} shape`).to.deep.equal(spec.outputs[k]!.shape));
  r.theirs.forEach((t, k) => {
    const o = r.ours[k]!;
    if (!bytesEqual(o, t)) {
      const first = firstDifference(o, t);
      expect.fail(`${label}: output ${k} differs from TFLite at byte ${first} (ours ${o[first]}, TFLite ${t[first]}; ${countDifferences(o, t)} bytes differ of ${t.length})`);
    }
  });
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
function countDifferences(a: Uint8Array, b: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) c++;
  return c;
}
