import { Model, fb } from '../../src/tflite/index.js';
import { randInt } from '../helpers/prng.js';

/**
 * One-operator UNIDIRECTIONAL_SEQUENCE_LSTM models shaped like keras_lstm_mnist_ptq.tflite's:
 * the two states are variable tensors (not model inputs), and the integer variant carries the
 * five intermediates its kernel reads (four gate placeholders and the int8 hidden state).
 * singleOpModel cannot express either, so this builds the model directly.
 */
export interface LstmSpec {
  kind: 'int8' | 'float32';
  batch: number;
  time: number;
  nInput: number;
  nCell: number;
  timeMajor: boolean;
  /** CIFG: no input gate (it is 1 − forget gate). */
  cifg: boolean;
  cellClip: number;
  /** Gate activation of the cell update (TANH in Keras). */
  activation: fb.ActivationFunctionType;
  /** int8 only. */
  inputScale: number;
  inputZeroPoint: number;
  /** The output (hidden) state's quantization, shared by the op output. */
  stateScale: number;
  stateZeroPoint: number;
  /** The hidden-state intermediate's quantization. */
  hiddenScale: number;
  hiddenZeroPoint: number;
  /** Per gate (input, forget, cell, output): input-weight and recurrent-weight scales. */
  weightScales: number[];
  recurrentScales: number[];
  cellScaleLog2: number;
  /** Picks the raw weight values: int8 values, or floats. */
  rand: () => number;
}

export function randomLstmSpec(rand: () => number, kind: LstmSpec['kind'], overrides: Partial<LstmSpec> = {}): LstmSpec {
  const stateScale = 1 / 128 + rand() * 0.01;
  const stateZeroPoint = randInt(rand, -10, 10);
  return {
    kind,
    batch: randInt(rand, 1, 3),
    time: randInt(rand, 1, 6),
    nInput: randInt(rand, 1, 12),
    nCell: randInt(rand, 1, 12),
    timeMajor: rand() < 0.3,
    cifg: false,
    cellClip: [0, 10, 0.25, 1][randInt(rand, 0, 3)]!,
    activation: fb.ActivationFunctionType.TANH,
    inputScale: 0.004 + rand() * 0.02,
    inputZeroPoint: randInt(rand, -128, 127),
    stateScale,
    stateZeroPoint,
    hiddenScale: rand() < 0.5 ? stateScale : 1 / 128 + rand() * 0.01,
    hiddenZeroPoint: rand() < 0.5 ? stateZeroPoint : randInt(rand, -10, 10),
    weightScales: [0, 1, 2, 3].map(() => 0.002 + rand() * 0.02),
    recurrentScales: [0, 1, 2, 3].map(() => 0.002 + rand() * 0.02),
    cellScaleLog2: -12,
    rand,
    ...overrides,
  };
}

/** The model bytes and its input tensor's shape. */
export function lstmModel(spec: LstmSpec): { model: Uint8Array; inputShape: number[] } {
  const { batch, time, nInput, nCell, kind, rand } = spec;
  const model = Model.create({ description: 'conformance: UNIDIRECTIONAL_SEQUENCE_LSTM' });
  const g = model.subgraph();
  const int8 = kind === 'int8';
  const inputShape = spec.timeMajor ? [time, batch, nInput] : [batch, time, nInput];
  const input = g.addTensor({
    name: 'input',
    shape: inputShape,
    dtype: kind,
    quantization: int8 ? { scale: [spec.inputScale], zeroPoint: [spec.inputZeroPoint] } : null,
  });
  const weight = (name: string, rows: number, cols: number, scale: number): number =>
    g.addTensor({
      name,
      shape: [rows, cols],
      dtype: kind,
      data: int8 ? Int8Array.from({ length: rows * cols }, () => randInt(rand, -127, 127)) : Float32Array.from({ length: rows * cols }, () => (rand() * 2 - 1) * 0.6),
      quantization: int8 ? { scale: [scale], zeroPoint: [0] } : null,
    });
  const bias = (name: string, scale: number): number =>
    g.addTensor({
      name,
      shape: [nCell],
      dtype: int8 ? 'int32' : 'float32',
      data: int8 ? Int32Array.from({ length: nCell }, () => randInt(rand, -30000, 30000)) : Float32Array.from({ length: nCell }, () => rand() * 2 - 1),
      quantization: int8 ? { scale: [scale], zeroPoint: [0] } : null,
    });
  const gates = ['input', 'forget', 'cell', 'output'];
  const inputWeights = gates.map((name, k) => (spec.cifg && k === 0 ? -1 : weight(`input_to_${name}_weights`, nCell, nInput, spec.weightScales[k]!)));
  const recurrentWeights = gates.map((name, k) => (spec.cifg && k === 0 ? -1 : weight(`recurrent_to_${name}_weights`, nCell, nCell, spec.recurrentScales[k]!)));
  const biases = gates.map((name, k) => (spec.cifg && k === 0 ? -1 : bias(`${name}_gate_bias`, spec.inputScale * spec.weightScales[k]!)));
  const outputState = g.addTensor({
    name: 'output_state',
    shape: [batch, nCell],
    dtype: kind,
    isVariable: true,
    quantization: int8 ? { scale: [spec.stateScale], zeroPoint: [spec.stateZeroPoint] } : null,
  });
  const cellState = g.addTensor({
    name: 'cell_state',
    shape: [batch, nCell],
    dtype: int8 ? 'int16' : 'float32',
    isVariable: true,
    quantization: int8 ? { scale: [2 ** spec.cellScaleLog2], zeroPoint: [0] } : null,
  });
  const output = g.addTensor({
    name: 'output',
    shape: spec.timeMajor ? [time, batch, nCell] : [batch, time, nCell],
    dtype: kind,
    quantization: int8 ? { scale: [spec.stateScale], zeroPoint: [spec.stateZeroPoint] } : null,
  });
  const inputs = [
    input,
    ...inputWeights,
    ...recurrentWeights,
    -1, -1, -1, // no peephole
    ...biases,
    -1, -1, // no projection
    outputState,
    cellState,
    -1, -1, -1, -1, // no layer norm
  ];
  const op = g.addOperator({
    op: 'UNIDIRECTIONAL_SEQUENCE_LSTM',
    inputs,
    outputs: [output],
    options: new fb.UnidirectionalSequenceLSTMOptionsT(spec.activation, spec.cellClip, 0, spec.timeMajor),
  });
  if (int8) {
    // The gate intermediates are only read with layer normalization; the hidden one always.
    const intermediates = gates.map((name) => g.addTensor({ name: `${name}_gate_intermediate`, shape: [], dtype: 'float32' }));
    intermediates.push(
      g.addTensor({ name: 'hidden_intermediate', shape: [], dtype: 'int8', quantization: { scale: [spec.hiddenScale], zeroPoint: [spec.hiddenZeroPoint] } }),
    );
    g.raw.operators[op]!.intermediates = intermediates;
  }
  g.setInputs([input]);
  g.setOutputs([output]);
  return { model: model.toBuffer(), inputShape };
}
