import { expect } from 'chai';
import { Interpreter } from '../../src/interpreter/index.js';
import { setWasmKernelsEnabled, wasmKernelsStatus } from '../../src/interpreter/wasm/module.js';
import { Model, fb, type DType } from '../../src/tflite/index.js';
import { prng, randInt } from '../helpers/prng.js';
import type { SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { expectSameAsTflite, randomInput } from './conformance.js';

type Rand = () => number;
const Act = fb.ActivationFunctionType;
const ACTIVATIONS = [Act.NONE, Act.RELU, Act.RELU6, Act.RELU_N1_TO_1];

const zeroPointFor = (rand: Rand, dtype: DType): number => (dtype === 'uint8' ? randInt(rand, 0, 255) : dtype === 'int8' ? randInt(rand, -128, 127) : 0);

describe('ADD matches TFLite 2.9 byte for byte', function () {
  const shapes: Array<[number[], number[]]> = [
    [[1, 8, 8, 16], [1, 8, 8, 16]],
    [[2, 3, 5], [5]],
    [[1, 17], [1, 1]],
    [[4, 1, 3], [1, 6, 1]],
    [[1, 4, 4, 3], [1, 1, 1, 3]],
    [[3, 2], [3, 2]],
    [[], [2, 3]],
  ];
  const outShape = (a: number[], b: number[]): number[] => {
    const rank = Math.max(a.length, b.length);
    return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
  };
  for (const dtype of ['uint8', 'int8'] as DType[]) {
    it(`${dtype}: broadcasting, differing scales, activations`, function () {
      const rand = prng(500 + dtype.length);
      shapes.forEach(([a, b], i) => {
        const activation = ACTIVATIONS[i % ACTIVATIONS.length]!;
        const spec: SingleOpSpec = {
          op: 'ADD',
          version: dtype === 'int8' ? 2 : 1,
          inputs: [
            { shape: a, dtype, quant: { scale: 0.01 + rand() * 0.1, zeroPoint: zeroPointFor(rand, dtype) } },
            { shape: b, dtype, quant: { scale: 0.01 + rand() * 0.2, zeroPoint: zeroPointFor(rand, dtype) } },
          ],
          outputs: [{ shape: outShape(a, b), dtype, quant: { scale: 0.02 + rand() * 0.2, zeroPoint: zeroPointFor(rand, dtype) } }],
          options: new fb.AddOptionsT(activation),
        };
        expectSameAsTflite(spec, [randomInput(rand, dtype, a), randomInput(rand, dtype, b)], `ADD ${dtype} [${a}] + [${b}] ${Act[activation]}`);
      });
    });

    it(`${dtype}: equal power-of-two scales (exact ties in every rescaling)`, function () {
      const rand = prng(510 + dtype.length);
      for (const [a, b] of shapes.slice(0, 3)) {
        const q = (): { scale: number; zeroPoint: number } => ({ scale: 2 ** -randInt(rand, 2, 6), zeroPoint: zeroPointFor(rand, dtype) });
        const spec: SingleOpSpec = {
          op: 'ADD',
          inputs: [{ shape: a, dtype, quant: q() }, { shape: b, dtype, quant: q() }],
          outputs: [{ shape: outShape(a, b), dtype, quant: q() }],
          options: new fb.AddOptionsT(Act.NONE),
        };
        expectSameAsTflite(spec, [randomInput(rand, dtype, a), randomInput(rand, dtype, b)], `ADD ${dtype} [${a}] + [${b}] power-of-two scales`);
      }
    });
  }

  /**
   * ADD of two intermediate tensors (each model input passes a RESHAPE first, so both operands
   * live in the arena): the case the WebAssembly ADD runs, as in MobileNet v2's residuals.
   */
  function arenaAdd(dtype: DType, a: number[], b: number[], activation: number, q: Array<{ scale: number; zeroPoint: number }>, op: 'ADD' | 'SUB' = 'ADD'): Uint8Array {
    const m = Model.create();
    const g = m.subgraph();
    const quant = (k: number): { scale: number[]; zeroPoint: number[] } => ({ scale: [q[k]!.scale], zeroPoint: [q[k]!.zeroPoint] });
    const xa = g.addTensor({ name: 'a', shape: a, dtype, quantization: quant(0) });
    const xb = g.addTensor({ name: 'b', shape: b, dtype, quantization: quant(1) });
    const ra = g.addTensor({ name: 'a_reshaped', shape: a, dtype, quantization: quant(0) });
    const rb = g.addTensor({ name: 'b_reshaped', shape: b, dtype, quantization: quant(1) });
    const y = g.addTensor({ name: 'sum', shape: outShape(a, b), dtype, quantization: quant(2) });
    g.addOperator({ op: 'RESHAPE', inputs: [xa], outputs: [ra], options: new fb.ReshapeOptionsT(a) });
    g.addOperator({ op: 'RESHAPE', inputs: [xb], outputs: [rb], options: new fb.ReshapeOptionsT(b) });
    const options = op === 'ADD' ? new fb.AddOptionsT(activation) : new fb.SubOptionsT(activation);
    g.addOperator({ op, version: dtype === 'int8' ? 2 : 1, inputs: [ra, rb], outputs: [y], options });
    g.setInputs([xa, xb]);
    g.setOutputs([y]);
    return m.toBuffer();
  }

  for (const [op, dtype] of [['ADD', 'uint8'], ['ADD', 'int8'], ['SUB', 'uint8'], ['SUB', 'int8']] as const) {
    it(`${dtype}: ${op} of intermediate tensors on the WebAssembly kernel, and the TypeScript kernel, equal TFLite`, async function () {
      const rand = prng(530 + dtype.length + (op === 'SUB' ? 10 : 0));
      const cases: Array<[number[], number[]]> = [...shapes.filter(([a, b]) => a.length > 0 && b.length > 0), [[1, 28, 28, 32], [1, 28, 28, 32]], [[1, 7, 7, 160], [1, 1, 1, 160]]];
      for (const [k, [a, b]] of cases.entries()) {
        const activation = ACTIVATIONS[k % ACTIVATIONS.length]!;
        const q = [0.01 + rand() * 0.1, 0.01 + rand() * 0.2, 0.02 + rand() * 0.2].map((scale) => ({ scale: k === 1 ? 2 ** -randInt(rand, 2, 6) : scale, zeroPoint: zeroPointFor(rand, dtype) }));
        const model = arenaAdd(dtype, a, b, activation, q, op);
        const inputs = [randomInput(rand, dtype, a), randomInput(rand, dtype, b)];
        const theirs = referenceRun(model, inputs).outputs[0]!.bytes;
        for (const wasm of [true, false]) {
          setWasmKernelsEnabled(wasm);
          try {
            const before = wasmKernelsStatus().preparedKernels;
            const interpreter = await Interpreter.create(model);
            expect(wasmKernelsStatus().preparedKernels - before, `${op}s prepared on WebAssembly`).to.equal(wasm ? 1 : 0);
            const [ours] = await interpreter.run(inputs);
            const label = `${op} ${dtype} [${a}] + [${b}] ${Act[activation]} (${wasm ? 'WebAssembly' : 'TypeScript'})`;
            expect(Array.from(new Uint8Array(ours!.buffer, ours!.byteOffset, ours!.byteLength)), label).to.deep.equal(Array.from(theirs));
          } finally {
            setWasmKernelsEnabled(true);
          }
        }
      }
    });
  }

  for (const dtype of ['int32', 'float32'] as DType[]) {
    it(`${dtype}: broadcasting, activations`, function () {
      const rand = prng(520 + dtype.length);
      shapes.forEach(([a, b], i) => {
        const activation = ACTIVATIONS[i % ACTIVATIONS.length]!;
        const spec: SingleOpSpec = {
          op: 'ADD',
          inputs: [{ shape: a, dtype }, { shape: b, dtype }],
          outputs: [{ shape: outShape(a, b), dtype }],
          options: new fb.AddOptionsT(activation),
        };
        const input = (shape: number[]): Uint8Array =>
          dtype === 'int32' ? new Uint8Array(Int32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => randInt(rand, -20, 20)).buffer) : randomInput(rand, dtype, shape, 4);
        expectSameAsTflite(spec, [input(a), input(b)], `ADD ${dtype} [${a}] + [${b}] ${Act[activation]}`);
      });
    });
  }
});

describe('QUANTIZE matches TFLite 2.9 byte for byte', function () {
  const shape = [2, 5, 7];
  for (const to of ['uint8', 'int8', 'int16'] as DType[]) {
    it(`float32 → ${to}: several scales and zero points, values beyond the range, exact halves`, function () {
      const rand = prng(600 + to.length);
      for (let k = 0; k < 4; k++) {
        const scale = k === 3 ? 0.25 : 0.005 + rand() * 0.1;
        const zeroPoint = to === 'int16' ? 0 : zeroPointFor(rand, to);
        const spec: SingleOpSpec = { op: 'QUANTIZE', inputs: [{ shape, dtype: 'float32' }], outputs: [{ shape, dtype: to, quant: { scale, zeroPoint } }] };
        // k = 3: multiples of 1/8 divided by 1/4 land on exact halves.
        const input = k === 3 ? new Uint8Array(Float32Array.from({ length: 70 }, () => randInt(rand, -200, 200) / 8).buffer) : randomInput(rand, 'float32', shape, [1, 5, 40][k]);
        expectSameAsTflite(spec, [input], `QUANTIZE float32 → ${to} scale ${scale} zp ${zeroPoint}`);
      }
    });
  }

  const pairs: Array<[DType, DType]> = [['uint8', 'int8'], ['int8', 'uint8'], ['uint8', 'uint8'], ['int8', 'int8']];
  for (const [from, to] of pairs) {
    it(`${from} → ${to}: same scale (±128 shift) and rescaling`, function () {
      const rand = prng(610 + from.length * 3 + to.length);
      for (let k = 0; k < 4; k++) {
        const inQ = { scale: 0.01 + rand() * 0.1, zeroPoint: zeroPointFor(rand, from) };
        const outQ = k === 0 ? { scale: inQ.scale, zeroPoint: inQ.zeroPoint + (from === to ? 0 : from === 'uint8' ? -128 : 128) } : k === 1 ? { scale: inQ.scale * 2, zeroPoint: zeroPointFor(rand, to) } : { scale: 0.01 + rand() * 0.1, zeroPoint: zeroPointFor(rand, to) };
        if (k === 0 && from === to) outQ.scale = inQ.scale * 0.75;
        const spec: SingleOpSpec = { op: 'QUANTIZE', inputs: [{ shape, dtype: from, quant: inQ }], outputs: [{ shape, dtype: to, quant: outQ }] };
        expectSameAsTflite(spec, [randomInput(rand, from, shape)], `QUANTIZE ${from} → ${to} (${inQ.scale}, ${inQ.zeroPoint}) → (${outQ.scale}, ${outQ.zeroPoint})`);
      }
    });
  }
});

describe('DEQUANTIZE matches TFLite 2.9 byte for byte', function () {
  for (const from of ['uint8', 'int8', 'int16'] as DType[]) {
    it(`${from} → float32`, function () {
      const rand = prng(700 + from.length);
      for (const shape of [[3, 4, 5], [1001], [1, 1, 17, 3]]) {
        const q = { scale: 0.001 + rand() * 0.2, zeroPoint: from === 'int16' ? 0 : zeroPointFor(rand, from) };
        const spec: SingleOpSpec = { op: 'DEQUANTIZE', version: from === 'uint8' ? 1 : 2, inputs: [{ shape, dtype: from, quant: q }], outputs: [{ shape, dtype: 'float32' }] };
        expectSameAsTflite(spec, [randomInput(rand, from, shape)], `DEQUANTIZE ${from} [${shape}] (${q.scale}, ${q.zeroPoint})`);
      }
    });
  }
});
