import * as fb from './generated/tflite.js';
import { dtypeOf, type DType } from './dtype.js';
import { builtinCodeOf, opNameOf } from './opcodes.js';

/** Quantization of a tensor: real = scale * (q - zeroPoint), per tensor or per `axis` index. */
export interface Quantization {
  scale: Float32Array;
  zeroPoint: Int32Array;
  /** The dimension that per-channel scales index (TFLite's quantized_dimension). */
  axis: number;
  /** Float ranges recorded by the converter, when present (informative only). */
  min?: Float32Array;
  max?: Float32Array;
}

/** A read-only snapshot of one tensor of a subgraph. */
export interface TensorInfo {
  index: number;
  name: string;
  shape: number[];
  /** The shape with -1 for dynamic dimensions, when the model records one. */
  shapeSignature: number[] | null;
  dtype: DType;
  /** Index into Model buffers; 0 (the empty buffer) for tensors computed at run time. */
  buffer: number;
  /** True when the tensor holds constant data (weights, biases, shape operands). */
  isConstant: boolean;
  isVariable: boolean;
  /** null when the tensor is not quantized (no scales). */
  quantization: Quantization | null;
}

/** A read-only snapshot of one operator of a subgraph. */
export interface OperatorInfo {
  index: number;
  /** Schema name of the builtin ('CONV_2D') or the custom code ('edgetpu-custom-op'). */
  op: string;
  builtinCode: fb.BuiltinOperator;
  customCode: string | null;
  version: number;
  opcodeIndex: number;
  /** Tensor indexes; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** The decoded builtin options table (e.g. fb.Conv2DOptionsT), or null. */
  options: fb.OperatorT['builtinOptions'];
  optionsType: fb.BuiltinOptions;
  /** Raw custom options (for edgetpu-custom-op: the compiled Edge TPU program). */
  customOptions: Uint8Array;
}

export function quantizationOf(q: fb.QuantizationParametersT | null): Quantization | null {
  if (!q || q.scale.length === 0) return null;
  const out: Quantization = {
    scale: Float32Array.from(q.scale),
    zeroPoint: q.zeroPoint.length > 0 ? Int32Array.from(q.zeroPoint, (z) => Number(z)) : new Int32Array(q.scale.length),
    axis: q.quantizedDimension,
  };
  if (q.min.length > 0) out.min = Float32Array.from(q.min);
  if (q.max.length > 0) out.max = Float32Array.from(q.max);
  return out;
}

export function tensorInfoOf(t: fb.TensorT, index: number, buffers: fb.BufferT[]): TensorInfo {
  return {
    index,
    name: typeof t.name === 'string' ? t.name : '',
    shape: t.shape.slice(),
    shapeSignature: t.shapeSignature.length > 0 ? t.shapeSignature.slice() : null,
    dtype: dtypeOf(t.type) ?? ('unknown' as DType),
    buffer: t.buffer,
    isConstant: t.buffer > 0 && (buffers[t.buffer]?.data.length ?? 0) > 0,
    isVariable: t.isVariable,
    quantization: quantizationOf(t.quantization),
  };
}

export function operatorInfoOf(op: fb.OperatorT, index: number, codes: fb.OperatorCodeT[]): OperatorInfo {
  const code = codes[op.opcodeIndex]!;
  return {
    index,
    op: opNameOf(code),
    builtinCode: builtinCodeOf(code),
    customCode: typeof code.customCode === 'string' ? code.customCode : null,
    version: code.version,
    opcodeIndex: op.opcodeIndex,
    inputs: op.inputs.slice(),
    outputs: op.outputs.slice(),
    options: op.builtinOptions,
    optionsType: op.builtinOptionsType,
    customOptions: op.customOptions as unknown as Uint8Array,
  };
}
