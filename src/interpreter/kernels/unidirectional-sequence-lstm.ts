import { fb } from '../../tflite/index.js';
import { SSE_FLOATS, eigenTanh, logisticPacket, logisticScalar } from '../eigen-float-math.js';
import { logistic16, roundingDivideByPOT32, tanh16 } from '../fixed-point-int16.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier, type QuantizedMultiplier } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectShape, invalid, requiredInput, unsupported } from './node-checks.js';

/** Input positions of TFLite's (unidirectional sequence) LSTM operator. */
const INPUT = 0;
const INPUT_WEIGHTS = [1, 2, 3, 4]; // input, forget, cell, output gates
const RECURRENT_WEIGHTS = [5, 6, 7, 8];
const PEEPHOLE_WEIGHTS = [9, 10, 11];
const GATE_BIASES = [12, 13, 14, 15];
const PROJECTION_WEIGHTS = 16;
const PROJECTION_BIAS = 17;
const OUTPUT_STATE = 18;
const CELL_STATE = 19;
const LAYER_NORM_WEIGHTS = [20, 21, 22, 23];
const HIDDEN_INTERMEDIATE = 4;

const GATE_INPUT = 0;
const GATE_FORGET = 1;
const GATE_CELL = 2;
const GATE_OUTPUT = 3;

const f32 = Math.fround;

/** The operator's tensors and sizes, checked. */
interface LstmLayout {
  input: RuntimeTensor;
  /** Per gate; null for the input gate of a CIFG LSTM. */
  inputWeights: Array<RuntimeTensor | null>;
  recurrentWeights: Array<RuntimeTensor | null>;
  biases: Array<RuntimeTensor | null>;
  outputState: RuntimeTensor;
  cellState: RuntimeTensor;
  output: RuntimeTensor;
  cifg: boolean;
  batches: number;
  steps: number;
  nInput: number;
  nCell: number;
  timeMajor: boolean;
  activation: fb.ActivationFunctionType;
  cellClip: number;
}

/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM as TFLite 2.9 runs it, for LSTMs without peepholes,
 * projection or layer normalization (the Keras LSTM layer), with or without CIFG:
 * - the fully integer "8x8→16" variant: int8 input, weights and hidden state, int32 biases,
 *   int16 cell state on a power-of-two scale; gates are int16 Q3.12 sums requantized with the
 *   reference double rounding, activated with gemmlowp's 16-bit fixed-point logistic and tanh;
 * - float32, with the reference order of operations.
 * The two states are variable tensors: they carry over from one run to the next, as in TFLite.
 */
registerKernel({
  op: 'UNIDIRECTIONAL_SEQUENCE_LSTM',
  dtypes: ['int8', 'float32'],
  prepare(node) {
    const layout = lstmLayout(node);
    return layout.input.dtype === 'int8' ? prepareInteger(node, layout) : prepareFloat(layout);
  },
});

function lstmLayout(node: KernelNode): LstmLayout {
  if (node.inputs.length !== 24 && node.inputs.length !== 20) {
    throw invalid(node, `expects 20 or 24 inputs, the model gives ${node.inputs.length}`);
  }
  if (node.outputs.length !== 1) throw invalid(node, `expects one output`);
  const at = (i: number): RuntimeTensor | null => node.inputs[i] ?? null;
  if (PEEPHOLE_WEIGHTS.some((i) => at(i))) throw unsupported(node, 'peephole connections are not supported');
  if (at(PROJECTION_WEIGHTS) || at(PROJECTION_BIAS)) throw unsupported(node, 'a projection layer is not supported');
  if (LAYER_NORM_WEIGHTS.some((i) => at(i))) throw unsupported(node, 'layer normalization is not supported');
  const options = node.options instanceof fb.UnidirectionalSequenceLSTMOptionsT ? node.options : new fb.UnidirectionalSequenceLSTMOptionsT();

  const input = requiredInput(node, INPUT);
  const cifg = !at(INPUT_WEIGHTS[GATE_INPUT]!);
  const gate = (indices: number[], k: number): RuntimeTensor | null => (cifg && k === GATE_INPUT ? null : requiredInput(node, indices[k]!));
  const inputWeights = [0, 1, 2, 3].map((k) => gate(INPUT_WEIGHTS, k));
  const recurrentWeights = [0, 1, 2, 3].map((k) => gate(RECURRENT_WEIGHTS, k));
  const biases = [0, 1, 2, 3].map((k) => gate(GATE_BIASES, k));
  if (cifg && (at(RECURRENT_WEIGHTS[GATE_INPUT]!) || at(GATE_BIASES[GATE_INPUT]!))) {
    throw invalid(node, `without input-gate weights (CIFG) there must be no recurrent input-gate weights or bias`);
  }
  const outputState = requiredInput(node, OUTPUT_STATE);
  const cellState = requiredInput(node, CELL_STATE);
  const output = node.outputs[0]!;

  if (input.shape.length !== 3) throw unsupported(node, `the input must be 3-D (batch, time, features), got [${input.shape.join(', ')}]`);
  const timeMajor = options.timeMajor;
  const steps = timeMajor ? input.shape[0]! : input.shape[1]!;
  const batches = timeMajor ? input.shape[1]! : input.shape[0]!;
  const nInput = input.shape[2]!;
  const nCell = inputWeights[GATE_OUTPUT]!.shape[0]!;
  for (let k = 0; k < 4; k++) {
    const w = inputWeights[k];
    const r = recurrentWeights[k];
    const b = biases[k];
    if (w && (w.shape.length !== 2 || w.shape[0] !== nCell || w.shape[1] !== nInput)) throw invalid(node, `input weights '${w.name}' must be [${nCell}, ${nInput}]`);
    if (r && (r.shape.length !== 2 || r.shape[0] !== nCell || r.shape[1] !== nCell)) throw invalid(node, `recurrent weights '${r.name}' must be [${nCell}, ${nCell}]`);
    if (b && b.size !== nCell) throw invalid(node, `bias '${b.name}' must hold ${nCell} values`);
  }
  expectShape(node, outputState, [batches, nCell]);
  expectShape(node, cellState, [batches, nCell]);
  expectShape(node, output, timeMajor ? [steps, batches, nCell] : [batches, steps, nCell]);
  const activation = options.fusedActivationFunction;
  return { input, inputWeights, recurrentWeights, biases, outputState, cellState, output, cifg, batches, steps, nInput, nCell, timeMajor, activation, cellClip: options.cellClip };
}

/** Offset of the (batch, step) row in a [batch, time, n] or [time, batch, n] tensor. */
function rowOffset(l: LstmLayout, b: number, t: number, n: number): number {
  return (l.timeMajor ? t * l.batches + b : b * l.steps + t) * n;
}

// ---- fully integer ----

function prepareInteger(node: KernelNode, l: LstmLayout): KernelRun {
  const { nCell, nInput } = l;
  const scaleOf = (t: RuntimeTensor, what: string): { scale: number; zeroPoint: number } => {
    if (!t.quantization) throw unsupported(node, `${what} '${t.name}' has no quantization parameters`);
    return { scale: t.quantization.scale[0]!, zeroPoint: t.quantization.zeroPoint[0]! };
  };
  for (const w of [...l.inputWeights, ...l.recurrentWeights]) if (w && w.dtype !== 'int8') throw unsupported(node, `int8 LSTMs need int8 weights; '${w.name}' is ${w.dtype}`);
  for (const b of l.biases) if (b && b.dtype !== 'int32') throw unsupported(node, `int8 LSTMs need int32 biases; '${b.name}' is ${b.dtype}`);
  if (l.outputState.dtype !== 'int8' || l.output.dtype !== 'int8') throw unsupported(node, 'int8 LSTMs need an int8 output state and output');
  if (l.cellState.dtype !== 'int16') throw unsupported(node, `int8 LSTMs need an int16 cell state, not ${l.cellState.dtype}`);
  if (l.activation !== fb.ActivationFunctionType.TANH) {
    throw unsupported(node, 'the integer LSTM needs TANH as its activation');
  }
  const hidden = node.intermediates[HIDDEN_INTERMEDIATE];
  if (!hidden?.quantization) throw invalid(node, `an integer LSTM needs 5 intermediates, the fifth holding the hidden state's quantization`);

  const input = scaleOf(l.input, 'the input');
  const state = scaleOf(l.outputState, 'the output state');
  const cellScale = scaleOf(l.cellState, 'the cell state').scale;
  const hiddenScale = hidden.quantization.scale[0]!;
  const hiddenZeroPoint = hidden.quantization.zeroPoint[0]!;
  // The cell state's scale must be a power of two (TFLite's CheckedLog2).
  const log2 = f32(f32(Math.log(cellScale)) * f32(1 / f32(Math.log(2))));
  const cellShift = Math.round(log2);
  if (!(Math.abs(f32(log2 - cellShift)) < 1e-3)) throw invalid(node, `the cell state's scale ${cellScale} is not a power of two`);
  const clip = l.cellClip > 0 ? Math.trunc(Math.min(Math.max(f32(l.cellClip / cellScale), -32768), 32767)) : 0;

  // Gate pre-activations are Q3.12 without layer normalization.
  const gateScale = 2 ** -12;
  const effective = (weightScale: number, otherScale: number): QuantizedMultiplier => quantizeMultiplier(f32(f32(weightScale * otherScale) / gateScale));
  const inputMultipliers = l.inputWeights.map((w) => (w ? effective(scaleOf(w, 'weights').scale, input.scale) : null));
  const recurrentMultipliers = l.recurrentWeights.map((w) => (w ? effective(scaleOf(w, 'weights').scale, state.scale) : null));
  const hiddenMultiplier = quantizeMultiplier(f32((2 ** -15 / hiddenScale) * 2 ** -15));

  // Zero points folded into the biases: (x − zp)·w = x·w − zp·Σw.
  const foldedBias = (weights: RuntimeTensor | null, zeroPoint: number, bias: RuntimeTensor | null, cols: number): Int32Array | null => {
    if (!weights) return null;
    const w = weights.data as Int8Array;
    const out = bias ? Int32Array.from(bias.data as Int32Array) : new Int32Array(nCell);
    for (let r = 0; r < nCell; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += w[r * cols + c]!;
      out[r] = (out[r]! + -zeroPoint * sum) | 0;
    }
    return out;
  };
  const inputBiases = l.inputWeights.map((w, k) => foldedBias(w, input.zeroPoint, l.biases[k]!, nInput));
  const recurrentBiases = l.recurrentWeights.map((w) => foldedBias(w, state.zeroPoint, null, nCell));
  const inputW = l.inputWeights.map((w) => (w ? (w.data as Int8Array) : null));
  const recurrentW = l.recurrentWeights.map((w) => (w ? (w.data as Int8Array) : null));

  const x = l.input.data as Int8Array;
  const h = l.outputState.data as Int8Array;
  const cell = l.cellState.data as Int16Array;
  const out = l.output.data as Int8Array;
  const gates = [0, 1, 2, 3].map(() => new Int16Array(nCell));
  const tanhBitsOfCell = 15 + cellShift;

  /** gate = sat16(sat16(M_x(b_x + x·W)) + M_h(b_h + h·R)), as two accumulating matrix-vector products. */
  const preActivation = (k: number, xOffset: number, hOffset: number): Int16Array => {
    const g = gates[k]!;
    const wx = inputW[k]!;
    const wh = recurrentW[k]!;
    const bx = inputBiases[k]!;
    const bh = recurrentBiases[k]!;
    const mx = inputMultipliers[k]!;
    const mh = recurrentMultipliers[k]!;
    for (let r = 0; r < nCell; r++) {
      let acc = bx[r]!;
      for (let c = 0; c < nInput; c++) acc += x[xOffset + c]! * wx[r * nInput + c]!;
      let v = multiplyByQuantizedMultiplier(acc | 0, mx.multiplier, mx.shift);
      v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      acc = bh[r]!;
      for (let c = 0; c < nCell; c++) acc += h[hOffset + c]! * wh[r * nCell + c]!;
      v += multiplyByQuantizedMultiplier(acc | 0, mh.multiplier, mh.shift);
      g[r] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return g;
  };

  return () => {
    for (let b = 0; b < l.batches; b++) {
      const hOffset = b * nCell;
      for (let t = 0; t < l.steps; t++) {
        const xOffset = rowOffset(l, b, t, nInput);
        const forget = preActivation(GATE_FORGET, xOffset, hOffset);
        for (let r = 0; r < nCell; r++) forget[r] = logistic16(forget[r]!, 3);
        const cellGate = preActivation(GATE_CELL, xOffset, hOffset);
        for (let r = 0; r < nCell; r++) cellGate[r] = tanh16(cellGate[r]!, 3);
        let inputGate: Int16Array;
        if (l.cifg) {
          inputGate = gates[GATE_INPUT]!;
          for (let r = 0; r < nCell; r++) inputGate[r] = 32767 - forget[r]!;
        } else {
          inputGate = preActivation(GATE_INPUT, xOffset, hOffset);
          for (let r = 0; r < nCell; r++) inputGate[r] = logistic16(inputGate[r]!, 3);
        }
        // c = sat16(f·c / 2^15 + i·g / 2^(30 + log2 scale)), then the clip.
        for (let r = 0; r < nCell; r++) {
          const kept = roundingDivideByPOT32(forget[r]! * cell[hOffset + r]!, 15);
          const added = roundingDivideByPOT32(inputGate[r]! * cellGate[r]!, 30 + cellShift);
          let c = ((kept << 16) >> 16) + ((added << 16) >> 16);
          c = c > 32767 ? 32767 : c < -32768 ? -32768 : c;
          if (clip > 0) c = c > clip ? clip : c < -clip ? -clip : c;
          cell[hOffset + r] = c;
        }
        // The output gate reads the old hidden state: compute it before overwriting h.
        const outputGate = preActivation(GATE_OUTPUT, xOffset, hOffset);
        for (let r = 0; r < nCell; r++) outputGate[r] = logistic16(outputGate[r]!, 3);
        const o = rowOffset(l, b, t, nCell);
        for (let r = 0; r < nCell; r++) {
          let v = multiplyByQuantizedMultiplier(outputGate[r]! * tanh16(cell[hOffset + r]!, tanhBitsOfCell), hiddenMultiplier.multiplier, hiddenMultiplier.shift);
          // TFLite 2.9 subtracts the hidden zero point here (its int16×int16→int8 CwiseMul
          // takes the zero point with the opposite sign); we do the same.
          v -= hiddenZeroPoint;
          v = v > 127 ? 127 : v < -128 ? -128 : v;
          h[hOffset + r] = v;
          out[o + r] = v;
        }
      }
    }
  };
}

// ---- float32 ----

/**
 * Whether Eigen's vectorized logistic reaches each gate element as a packet lane or as a
 * scalar (the two differ in the last bit: the scalar path uses libm's expf). TFLite keeps the
 * gates in one 64-byte aligned scratch buffer (input, cell, forget, output gates, each
 * n_batch·n_cell floats; no input gate with CIFG) and applies the logistic to one vector per
 * step: all batches at once (time-major), or batch b's n_cell floats at offset b·n_cell
 * (batch-major). Eigen runs scalars up to the first 16-byte boundary, then 4-float packets,
 * then scalars.
 */
function packetLanes(l: LstmLayout, gate: number): Uint8Array[] {
  // Scratch order: input, cell, forget, output gates (cell, forget, output with CIFG).
  const slot = (l.cifg ? [-1, 1, 0, 2] : [0, 2, 1, 3])[gate]!;
  const gateBase = slot * l.nCell * l.batches;
  return Array.from({ length: l.batches }, (_, b) => {
    const base = l.timeMajor ? gateBase : gateBase + b * l.nCell;
    const n = l.timeMajor ? l.batches * l.nCell : l.nCell;
    const firstAligned = Math.min((4 - (base % 4)) % 4, n);
    const packetEnd = firstAligned + Math.floor((n - firstAligned) / SSE_FLOATS) * SSE_FLOATS;
    return Uint8Array.from({ length: l.nCell }, (_, c) => {
      const j = l.timeMajor ? b * l.nCell + c : c;
      return j >= firstAligned && j < packetEnd ? 1 : 0;
    });
  });
}

function prepareFloat(l: LstmLayout): KernelRun {
  const { nCell, nInput } = l;
  const weightsOf = (t: RuntimeTensor | null): Float32Array | null => (t ? (t.data as Float32Array) : null);
  const inputW = l.inputWeights.map(weightsOf);
  const recurrentW = l.recurrentWeights.map(weightsOf);
  const biases = l.biases.map(weightsOf);
  const x = l.input.data as Float32Array;
  const h = l.outputState.data as Float32Array;
  const cell = l.cellState.data as Float32Array;
  const out = l.output.data as Float32Array;
  const gates = [0, 1, 2, 3].map(() => new Float32Array(nCell));
  const lanes = [0, 1, 2, 3].map((k) => (l.cifg && k === GATE_INPUT ? [] : packetLanes(l, k)));
  const activate = floatActivation(l.activation);
  const clip = l.cellClip;

  /** gate = bias + W·x + R·h, each dot product summed on its own from 0 and then added. */
  const preActivation = (k: number, xOffset: number, hOffset: number): Float32Array => {
    const g = gates[k]!;
    const wx = inputW[k]!;
    const wh = recurrentW[k]!;
    const bias = biases[k]!;
    for (let r = 0; r < nCell; r++) {
      let dot = 0;
      for (let c = 0; c < nInput; c++) dot = f32(dot + f32(wx[r * nInput + c]! * x[xOffset + c]!));
      let v = f32(bias[r]! + dot);
      dot = 0;
      for (let c = 0; c < nCell; c++) dot = f32(dot + f32(wh[r * nCell + c]! * h[hOffset + c]!));
      v = f32(v + dot);
      g[r] = v;
    }
    return g;
  };
  const sigmoid = (g: Float32Array, k: number, b: number): Float32Array => {
    const packet = lanes[k]![b]!;
    for (let r = 0; r < nCell; r++) g[r] = packet[r] ? logisticPacket(g[r]!) : logisticScalar(g[r]!);
    return g;
  };

  return () => {
    for (let b = 0; b < l.batches; b++) {
      const hOffset = b * nCell;
      for (let t = 0; t < l.steps; t++) {
        const xOffset = rowOffset(l, b, t, nInput);
        const inputGate = l.cifg ? null : sigmoid(preActivation(GATE_INPUT, xOffset, hOffset), GATE_INPUT, b);
        const forget = sigmoid(preActivation(GATE_FORGET, xOffset, hOffset), GATE_FORGET, b);
        const cellGate = preActivation(GATE_CELL, xOffset, hOffset);
        for (let r = 0; r < nCell; r++) cellGate[r] = activate(cellGate[r]!);
        // c = f·c + g·i (i = 1 − f with CIFG), then the clip.
        for (let r = 0; r < nCell; r++) {
          let c = f32(forget[r]! * cell[hOffset + r]!);
          const i = inputGate ? inputGate[r]! : f32(1 - forget[r]!);
          c = f32(c + f32(cellGate[r]! * i));
          if (clip > 0) c = c > clip ? clip : c < -clip ? -clip : c;
          cell[hOffset + r] = c;
        }
        const outputGate = sigmoid(preActivation(GATE_OUTPUT, xOffset, hOffset), GATE_OUTPUT, b);
        const o = rowOffset(l, b, t, nCell);
        for (let r = 0; r < nCell; r++) {
          const v = f32(outputGate[r]! * activate(cell[hOffset + r]!));
          h[hOffset + r] = v;
          out[o + r] = v;
        }
      }
    }
  };
}

/** The cell-gate and output activation, as TFLite's ApplyActivationToVector (tanh through Eigen). */
function floatActivation(activation: fb.ActivationFunctionType): (v: number) => number {
  switch (activation) {
    case fb.ActivationFunctionType.TANH: return eigenTanh;
    case fb.ActivationFunctionType.RELU: return (v) => (v > 0 ? v : 0);
    case fb.ActivationFunctionType.RELU6: return (v) => (v > 6 ? 6 : v > 0 ? v : 0);
    case fb.ActivationFunctionType.RELU_N1_TO_1: return (v) => (v > 1 ? 1 : v < -1 ? -1 : v);
    default: return (v) => v;
  }
}
