import { expect } from 'chai';
import { fb } from '../../src/tflite/index.js';
import { setWasmKernelsEnabled, wasmKernelsStatus } from '../../src/interpreter/wasm/module.js';
import { prng, randInt } from '../helpers/prng.js';
import { singleOpModel, type OpTensor, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { bytesEqual, randomInput, runOurs } from './conformance.js';

/*
 * The WebAssembly SIMD kernels (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) against the
 * TypeScript kernels they replace and against real TFLite 2.9, byte for byte, on random
 * layers: shapes that leave partial channel blocks and partial row tiles, strides, dilations,
 * both paddings, every clamp activation, uint8 and int8 (per-tensor and per-channel), and
 * scales chosen to make rounding ties (power-of-two multipliers) and to hit the special
 * multiplier cases (no final shift; a left shift before the multiply).
 */

type Rand = () => number;
type Quantization = 'uint8' | 'int8-per-channel' | 'int8-per-tensor';
/** random: log-uniform multipliers; power-of-two: exact powers of two (ties in every shift); near-one: multipliers in [0.5, 2). */
type ScaleKind = 'random' | 'power-of-two' | 'near-one';

const ACTIVATIONS = [fb.ActivationFunctionType.NONE, fb.ActivationFunctionType.RELU, fb.ActivationFunctionType.RELU6, fb.ActivationFunctionType.RELU_N1_TO_1];

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

interface Layer {
  spec: SingleOpSpec;
  inputs: Uint8Array[];
  /** False for layers TFLite 2.9 refuses (quantized convolutions without a bias). */
  tfliteRuns: boolean;
  label: string;
}

/** Quantization parameters for a layer whose accumulators sum `depth` products. */
function layerScales(rand: Rand, q: Quantization, kind: ScaleKind, channels: number, depth: number) {
  const inScale = kind === 'power-of-two' ? 2 ** -randInt(rand, 5, 8) : 0.005 + rand() * 0.05;
  const perChannel = q === 'int8-per-channel';
  const filterScales = Array.from({ length: perChannel ? channels : 1 }, () => (kind === 'power-of-two' ? 2 ** -randInt(rand, 4, 9) : 0.001 + rand() * 0.02));
  // An output scale that keeps typical accumulators (≈ √depth · 74²) inside the 8-bit range, give or take.
  const typical = 40 / (Math.sqrt(depth) * 5500);
  let real: number;
  if (kind === 'near-one') real = rand() < 0.7 ? 0.5 + rand() * 1.5 : 2 + rand() * 30;
  else if (kind === 'power-of-two') real = 2 ** Math.round(Math.log2(typical) + randInt(rand, -2, 2));
  else real = typical * 2 ** (rand() * 4 - 2);
  const outScale = (inScale * filterScales[0]!) / real;
  const signed = q !== 'uint8';
  const zp = (): number => (signed ? randInt(rand, -128, 127) : randInt(rand, 0, 255));
  return {
    inScale,
    filterScales,
    outScale,
    inZp: zp(),
    outZp: zp(),
    filterZp: signed ? 0 : randInt(rand, 0, 255),
  };
}

function randomBias(rand: Rand, n: number, depth: number): Int32Array {
  const big = rand() < 0.15; // accumulators far from the usual range
  const range = big ? 2 ** 28 : depth * 3000;
  return Int32Array.from({ length: n }, () => randInt(rand, -range, range));
}

function filterData(rand: Rand, q: Quantization, count: number): Uint8Array | Int8Array {
  const bytes = randomInput(rand, 'uint8', [count]);
  return q === 'uint8' ? bytes : new Int8Array(bytes.buffer);
}

function outSize(padding: fb.Padding, size: number, k: number, stride: number, dilation: number): number {
  const effective = (k - 1) * dilation + 1;
  return padding === fb.Padding.SAME ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

function convLayer(rand: Rand, op: 'CONV_2D' | 'DEPTHWISE_CONV_2D'): Layer {
  const q = pick<Quantization>(rand, ['uint8', 'int8-per-channel', 'int8-per-tensor']);
  const kind = pick<ScaleKind>(rand, ['random', 'random', 'power-of-two', 'near-one']);
  const depthwise = op === 'DEPTHWISE_CONV_2D';
  const k = pick(rand, [1, 1, 3, 3, 3, 2, 5]);
  const kH = rand() < 0.85 ? k : randInt(rand, 1, 4);
  const kW = rand() < 0.85 ? k : randInt(rand, 1, 4);
  const strideH = pick(rand, [1, 1, 2, 3]);
  const strideW = rand() < 0.8 ? strideH : pick(rand, [1, 2]);
  const dilationH = rand() < 0.8 ? 1 : 2;
  const dilationW = rand() < 0.8 ? dilationH : pick(rand, [1, 2]);
  const padding = rand() < 0.6 ? fb.Padding.SAME : fb.Padding.VALID;
  const batches = rand() < 0.8 ? 1 : 2;
  const inH = randInt(rand, (kH - 1) * dilationH + 1, 19);
  const inW = randInt(rand, (kW - 1) * dilationW + 1, 19);
  const inC = pick(rand, [1, 3, 8, 16, randInt(rand, 1, 40)]);
  const depthMultiplier = depthwise ? (rand() < 0.8 ? 1 : randInt(rand, 2, 3)) : 1;
  const outC = depthwise ? inC * depthMultiplier : pick(rand, [1, 8, 16, randInt(rand, 1, 45)]);
  const depth = depthwise ? kH * kW : kH * kW * inC;
  const s = layerScales(rand, q, kind, outC, depth);
  const activation = pick(rand, ACTIVATIONS);
  const outH = outSize(padding, inH, kH, strideH, dilationH);
  const outW = outSize(padding, inW, kW, strideW, dilationW);
  const dtype = q === 'uint8' ? 'uint8' : 'int8';
  const filterShape = depthwise ? [1, kH, kW, outC] : [outC, kH, kW, inC];
  const filter: OpTensor = {
    shape: filterShape,
    dtype,
    data: filterData(rand, q, filterShape.reduce((a, d) => a * d, 1)),
    quant: s.filterScales.length > 1
      ? { scale: s.filterScales, zeroPoint: s.filterScales.map(() => 0), axis: depthwise ? 3 : 0 }
      : { scale: s.filterScales[0]!, zeroPoint: s.filterZp },
  };
  const withBias = rand() < 0.85;
  const bias: OpTensor | null = withBias
    ? {
        shape: [outC],
        dtype: 'int32',
        data: randomBias(rand, outC, depth),
        quant: s.filterScales.length > 1
          ? { scale: s.filterScales.map((f) => s.inScale * f), zeroPoint: s.filterScales.map(() => 0) }
          : { scale: s.inScale * s.filterScales[0]!, zeroPoint: 0 },
      }
    : null;
  const inShape = [batches, inH, inW, inC];
  const options = depthwise
    ? new fb.DepthwiseConv2DOptionsT(padding, strideW, strideH, depthMultiplier, activation, dilationW, dilationH)
    : new fb.Conv2DOptionsT(padding, strideW, strideH, activation, dilationW, dilationH);
  const spec: SingleOpSpec = {
    op,
    version: dtype === 'int8' ? (depthwise ? 3 : 3) : 1,
    // Without a bias the operator has two inputs (TFLite 2.9 refuses both that and an omitted third one).
    inputs: [{ shape: inShape, dtype, quant: { scale: s.inScale, zeroPoint: s.inZp } }, filter, ...(bias ? [bias] : [])],
    outputs: [{ shape: [batches, outH, outW, outC], dtype, quant: { scale: s.outScale, zeroPoint: s.outZp } }],
    options,
  };
  const label = `${op} ${q} ${kind} in ${inShape.join('×')} k ${kH}×${kW} s ${strideH},${strideW} d ${dilationH},${dilationW} ${padding === fb.Padding.SAME ? 'SAME' : 'VALID'} ${depthwise ? `dm ${depthMultiplier}` : `out ${outC}`} ${fb.ActivationFunctionType[activation]}`;
  return { spec, inputs: [randomInput(rand, dtype, inShape)], tfliteRuns: withBias, label };
}

function fullyConnectedLayer(rand: Rand): Layer {
  const q = pick<Quantization>(rand, ['uint8', 'int8-per-tensor']);
  const kind = pick<ScaleKind>(rand, ['random', 'random', 'power-of-two', 'near-one']);
  const rows = pick(rand, [1, 1, 2, 5]);
  const depth = pick(rand, [randInt(rand, 1, 20), randInt(rand, 20, 300), 1280]);
  const units = pick(rand, [randInt(rand, 1, 12), randInt(rand, 12, 120), 1001]);
  const s = layerScales(rand, q, kind, units, depth);
  const activation = pick(rand, ACTIVATIONS);
  const dtype = q === 'uint8' ? 'uint8' : 'int8';
  const spec: SingleOpSpec = {
    op: 'FULLY_CONNECTED',
    version: dtype === 'int8' ? 4 : 1,
    inputs: [
      { shape: [rows, depth], dtype, quant: { scale: s.inScale, zeroPoint: s.inZp } },
      { shape: [units, depth], dtype, data: filterData(rand, q, units * depth), quant: { scale: s.filterScales[0]!, zeroPoint: s.filterZp } },
      ...(rand() < 0.85 ? [{ shape: [units], dtype: 'int32' as const, data: randomBias(rand, units, depth), quant: { scale: s.inScale * s.filterScales[0]!, zeroPoint: 0 } }] : []),
    ],
    outputs: [{ shape: [rows, units], dtype, quant: { scale: s.outScale, zeroPoint: s.outZp } }],
    options: new fb.FullyConnectedOptionsT(activation),
  };
  const label = `FULLY_CONNECTED ${q} ${kind} ${rows}×${depth} → ${units} ${fb.ActivationFunctionType[activation]}`;
  return { spec, inputs: [randomInput(rand, dtype, [rows, depth])], tfliteRuns: true, label };
}

/** Runs a model through our interpreter with the WebAssembly kernels on or off (decided when the interpreter is created). */
function runWithWasm(on: boolean, model: Uint8Array, inputs: Uint8Array[]): Uint8Array[] {
  const before = wasmKernelsStatus().enabled;
  setWasmKernelsEnabled(on);
  try {
    return runOurs(model, inputs);
  } finally {
    setWasmKernelsEnabled(before);
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

/** WebAssembly kernels == TypeScript kernels == TFLite 2.9, and the layer really ran on WebAssembly. */
function checkLayer(layer: Layer): void {
  if (process.env.WASM_TEST_DEBUG) console.log(layer.label);
  const model = singleOpModel(layer.spec);
  const prepared = wasmKernelsStatus().preparedKernels;
  const simd = runWithWasm(true, model, layer.inputs)[0]!;
  const usedWasm = wasmKernelsStatus().preparedKernels > prepared;
  expect(usedWasm, `${layer.label}: ran on the WebAssembly kernels`).to.equal(true);
  const plain = runWithWasm(false, model, layer.inputs)[0]!;
  const tflite = layer.tfliteRuns ? referenceRun(model, layer.inputs).outputs[0]!.bytes : plain;
  if (!bytesEqual(plain, tflite)) expect.fail(`${layer.label}: TypeScript kernel differs from TFLite at ${firstDifference(plain, tflite)}`);
  if (!bytesEqual(simd, plain)) expect.fail(`${layer.label}: WebAssembly kernel differs from the TypeScript kernel at ${firstDifference(simd, plain)}`);
}

describe('WebAssembly SIMD kernels', function () {
  before(function () {
    const status = wasmKernelsStatus();
    // The kernels are built by `npm run build` (and so by npm install / npm ci): missing means a broken build.
    if (!status.available) throw new Error(`the WebAssembly kernels did not load: ${status.reason}`);
  });

  for (const op of ['CONV_2D', 'DEPTHWISE_CONV_2D'] as const) {
    it(`${op}: 60 random layers equal the TypeScript kernel and TFLite`, function () {
      const rand = prng(op === 'CONV_2D' ? 101 : 202);
      for (let i = 0; i < 60; i++) checkLayer(convLayer(rand, op));
    });
  }

  it('FULLY_CONNECTED: 40 random layers equal the TypeScript kernel and TFLite', function () {
    const rand = prng(303);
    for (let i = 0; i < 40; i++) checkLayer(fullyConnectedLayer(rand));
  });

  it('large layers, worked on in several bands of rows', function () {
    const rand = prng(505);
    const layers: Array<[op: 'CONV_2D' | 'DEPTHWISE_CONV_2D', k: number, stride: number, c: number]> = [
      ['CONV_2D', 1, 1, 64],
      ['CONV_2D', 3, 1, 32],
      ['CONV_2D', 3, 2, 24],
      ['DEPTHWISE_CONV_2D', 3, 1, 64],
      ['DEPTHWISE_CONV_2D', 3, 2, 96],
    ];
    for (const [op, k, stride, c] of layers) {
      for (const q of ['uint8', 'int8'] as const) {
        const s = layerScales(rand, q === 'uint8' ? 'uint8' : 'int8-per-channel', 'random', c, op === 'CONV_2D' ? k * k * c : k * k);
        const filterShape = op === 'CONV_2D' ? [c, k, k, c] : [1, k, k, c];
        const out = Math.ceil(64 / stride);
        const spec: SingleOpSpec = {
          op,
          version: q === 'int8' ? 3 : 1,
          inputs: [
            { shape: [1, 64, 64, c], dtype: q, quant: { scale: s.inScale, zeroPoint: s.inZp } },
            {
              shape: filterShape,
              dtype: q,
              data: filterData(rand, q === 'uint8' ? 'uint8' : 'int8-per-channel', filterShape.reduce((a, d) => a * d, 1)),
              quant: s.filterScales.length > 1 ? { scale: s.filterScales, zeroPoint: s.filterScales.map(() => 0), axis: op === 'CONV_2D' ? 0 : 3 } : { scale: s.filterScales[0]!, zeroPoint: s.filterZp },
            },
            { shape: [c], dtype: 'int32', data: randomBias(rand, c, k * k * c), quant: s.filterScales.length > 1 ? { scale: s.filterScales.map((f) => s.inScale * f), zeroPoint: s.filterScales.map(() => 0) } : { scale: s.inScale * s.filterScales[0]!, zeroPoint: 0 } },
          ],
          outputs: [{ shape: [1, out, out, c], dtype: q, quant: { scale: s.outScale, zeroPoint: s.outZp } }],
          options: op === 'CONV_2D' ? new fb.Conv2DOptionsT(fb.Padding.SAME, stride, stride, fb.ActivationFunctionType.RELU6) : new fb.DepthwiseConv2DOptionsT(fb.Padding.SAME, stride, stride, 1, fb.ActivationFunctionType.RELU6),
        };
        checkLayer({ spec, inputs: [randomInput(rand, q, [1, 64, 64, c])], tfliteRuns: true, label: `${op} ${q} 64×64×${c} k ${k} s ${stride}` });
      }
    }
  });

  it('CONV_2D: mobilenet-sized layers (many row chunks, 1×1 and 3×3 stride 2)', function () {
    const rand = prng(404);
    let checked = 0;
    while (checked < 4) {
      const layer = convLayer(rand, 'CONV_2D');
      const [, h, w] = layer.spec.inputs[0]!.shape;
      if (h! * w! < 200) continue;
      checkLayer(layer);
      checked++;
    }
  });
});
