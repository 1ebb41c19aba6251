import * as fb from './generated/tflite.js';
import { bytesPerElement, tensorTypeOf, typedView, type DType, type TypedArray } from './dtype.js';
import { ModelEditError } from './errors.js';
import type { Model } from './model.js';
import { operatorInfoOf, tensorInfoOf, type OperatorInfo, type Quantization, type TensorInfo } from './views.js';

/** What `addTensor` needs. Give `data` for a constant tensor. */
export interface NewTensor {
  name: string;
  shape: readonly number[];
  dtype: DType;
  quantization?: QuantizationInput | null;
  /** Constant contents; their byte length must match shape and dtype. */
  data?: TypedArray;
  isVariable?: boolean;
}

/** Quantization as callers write it: numbers or typed arrays, one entry per channel. */
export interface QuantizationInput {
  scale: ArrayLike<number>;
  zeroPoint: ArrayLike<number>;
  axis?: number;
}

/** What `addOperator` needs. `options` is a generated options table, e.g. new fb.Conv2DOptionsT(...). */
export interface NewOperator {
  /** A builtin schema name ('FULLY_CONNECTED') or a custom code. */
  op: string | fb.BuiltinOperator;
  version?: number;
  inputs: readonly number[];
  outputs: readonly number[];
  options?: NonNullable<fb.OperatorT['builtinOptions']>;
  customOptions?: Uint8Array;
}

/**
 * One subgraph of a Model: a live handle over the model's object tree. Reads return
 * snapshots (TensorInfo, OperatorInfo); edits go through the methods, which check their
 * arguments so the model stays valid.
 */
export class Subgraph {
  constructor(
    readonly model: Model,
    readonly index: number,
  ) {}

  /** The raw generated table; prefer the methods, which keep the model valid. */
  get raw(): fb.SubGraphT {
    return this.model.raw.subgraphs[this.index]!;
  }

  get name(): string {
    return typeof this.raw.name === 'string' ? this.raw.name : '';
  }

  get tensors(): TensorInfo[] {
    const buffers = this.model.raw.buffers;
    return this.raw.tensors.map((t, i) => tensorInfoOf(t, i, buffers));
  }

  tensor(index: number): TensorInfo {
    return tensorInfoOf(this.rawTensor(index), index, this.model.raw.buffers);
  }

  /** The first tensor with this name, or undefined. */
  findTensor(name: string): TensorInfo | undefined {
    const i = this.raw.tensors.findIndex((t) => t.name === name);
    return i < 0 ? undefined : this.tensor(i);
  }

  get operators(): OperatorInfo[] {
    const codes = this.model.raw.operatorCodes;
    return this.raw.operators.map((op, i) => operatorInfoOf(op, i, codes));
  }

  operator(index: number): OperatorInfo {
    const op = this.raw.operators[index];
    if (!op) throw new ModelEditError(`operator ${index} does not exist (subgraph ${this.index} has ${this.raw.operators.length})`);
    return operatorInfoOf(op, index, this.model.raw.operatorCodes);
  }

  get inputs(): number[] {
    return this.raw.inputs.slice();
  }

  get outputs(): number[] {
    return this.raw.outputs.slice();
  }

  get inputTensors(): TensorInfo[] {
    return this.raw.inputs.map((i) => this.tensor(i));
  }

  get outputTensors(): TensorInfo[] {
    return this.raw.outputs.map((i) => this.tensor(i));
  }

  /** The constant contents of a tensor as a typed array view, or null for run-time tensors. */
  tensorData(index: number): TypedArray | null {
    const t = this.tensor(index);
    if (!t.isConstant) return null;
    return typedView(t.dtype, this.model.bufferData(t.buffer));
  }

  // ---- edits ----

  setTensorShape(index: number, shape: readonly number[]): void {
    const t = this.rawTensor(index);
    checkShape(shape, `tensor ${index}`);
    const data = this.model.bufferData(t.buffer);
    const size = bytesPerElement(this.tensor(index).dtype);
    if (data.length > 0 && size !== undefined && data.length !== elementCount(shape) * size) {
      throw new ModelEditError(`tensor ${index} holds ${data.length} bytes of constant data; shape [${shape.join(', ')}] would need ${elementCount(shape) * size}`);
    }
    t.shape = shape.slice();
    t.shapeSignature = [];
  }

  setTensorQuantization(index: number, quantization: QuantizationInput | null): void {
    const t = this.rawTensor(index);
    t.quantization = quantization === null ? null : toQuantizationT(quantization, t.shape, `tensor ${index}`);
  }

  /** Sets a constant tensor's contents (in place when it has a buffer of its own). */
  setTensorData(index: number, data: TypedArray): void {
    const t = this.rawTensor(index);
    const info = this.tensor(index);
    const bytes = bytesOfTyped(data);
    const size = bytesPerElement(info.dtype);
    if (size !== undefined && bytes.length !== elementCount(t.shape) * size) {
      throw new ModelEditError(`tensor ${index} ('${info.name}') has shape [${t.shape.join(', ')}] of ${info.dtype}: needs ${elementCount(t.shape) * size} bytes, got ${bytes.length}`);
    }
    const sharedOrNone = t.buffer === 0 || this.model.bufferUsers(t.buffer) > 1;
    if (sharedOrNone) t.buffer = this.model.addBuffer(bytes);
    else this.model.setBufferData(t.buffer, bytes);
  }

  /** Appends a tensor and returns its index. */
  addTensor(spec: NewTensor): number {
    checkShape(spec.shape, `new tensor '${spec.name}'`);
    const t = new fb.TensorT();
    t.name = spec.name;
    t.shape = spec.shape.slice();
    t.type = tensorTypeOf(spec.dtype);
    t.isVariable = spec.isVariable ?? false;
    if (t.type === undefined) throw new ModelEditError(`unknown dtype '${spec.dtype}' for new tensor '${spec.name}'`);
    t.quantization = spec.quantization ? toQuantizationT(spec.quantization, t.shape, `new tensor '${spec.name}'`) : null;
    this.raw.tensors.push(t);
    const index = this.raw.tensors.length - 1;
    if (spec.data) {
      try {
        this.setTensorData(index, spec.data);
      } catch (e) {
        this.raw.tensors.pop();
        throw e;
      }
    }
    return index;
  }

  /** Appends an operator (after all others, so it runs last) and returns its index. */
  addOperator(spec: NewOperator): number {
    const n = this.raw.tensors.length;
    for (const t of spec.inputs) if (!(Number.isInteger(t) && t >= -1 && t < n)) throw new ModelEditError(`operator input ${t} is not a tensor of subgraph ${this.index} (${n} tensors)`);
    for (const t of spec.outputs) if (!(Number.isInteger(t) && t >= 0 && t < n)) throw new ModelEditError(`operator output ${t} is not a tensor of subgraph ${this.index} (${n} tensors)`);
    const op = new fb.OperatorT();
    op.opcodeIndex = this.model.addOperatorCode(spec.op, spec.version ?? 1);
    op.inputs = spec.inputs.slice();
    op.outputs = spec.outputs.slice();
    if (spec.options) {
      op.builtinOptionsType = optionsTypeOf(spec.options);
      op.builtinOptions = spec.options;
    }
    if (spec.customOptions) op.customOptions = spec.customOptions as unknown as number[];
    this.raw.operators.push(op);
    return this.raw.operators.length - 1;
  }

  setInputs(tensors: readonly number[]): void {
    this.raw.inputs = this.checkedTensorList(tensors, 'input');
  }

  setOutputs(tensors: readonly number[]): void {
    this.raw.outputs = this.checkedTensorList(tensors, 'output');
  }

  private checkedTensorList(tensors: readonly number[], what: string): number[] {
    const n = this.raw.tensors.length;
    for (const t of tensors) if (!(Number.isInteger(t) && t >= 0 && t < n)) throw new ModelEditError(`${what} tensor ${t} does not exist (subgraph ${this.index} has ${n} tensors)`);
    return tensors.slice();
  }

  private rawTensor(index: number): fb.TensorT {
    const t = this.raw.tensors[index];
    if (!t) throw new ModelEditError(`tensor ${index} does not exist (subgraph ${this.index} has ${this.raw.tensors.length} tensors)`);
    return t;
  }
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

function checkShape(shape: readonly number[], what: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) throw new ModelEditError(`${what}: shape [${shape.join(', ')}] must be non-negative integers`);
}

export function bytesOfTyped(data: TypedArray): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toQuantizationT(q: QuantizationInput, shape: readonly number[], what: string): fb.QuantizationParametersT {
  const n = q.scale.length;
  if (n === 0 || q.zeroPoint.length !== n) throw new ModelEditError(`${what}: quantization needs as many zero points as scales (got ${n} scales, ${q.zeroPoint.length} zero points)`);
  const axis = q.axis ?? 0;
  if (n > 1 && shape[axis] !== n) throw new ModelEditError(`${what}: ${n} per-channel scales do not match dimension ${axis} of shape [${shape.join(', ')}]`);
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(q.scale[i]) && q.scale[i]! > 0)) throw new ModelEditError(`${what}: quantization scale ${q.scale[i]} must be a positive finite number`);
    if (!Number.isInteger(q.zeroPoint[i])) throw new ModelEditError(`${what}: zero point ${q.zeroPoint[i]} must be an integer`);
  }
  const t = new fb.QuantizationParametersT();
  t.scale = Array.from(q.scale, (s) => Math.fround(s));
  t.zeroPoint = Array.from(q.zeroPoint, (z) => BigInt(z));
  t.quantizedDimension = axis;
  return t;
}

export function toQuantizationInput(q: Quantization): QuantizationInput {
  return { scale: q.scale, zeroPoint: q.zeroPoint, axis: q.axis };
}

/** The union tag for a generated options object: Conv2DOptionsT -> BuiltinOptions.Conv2DOptions. */
function optionsTypeOf(options: object): fb.BuiltinOptions {
  const name = options.constructor.name.replace(/T$/, '');
  const tag = (fb.BuiltinOptions as unknown as Record<string, number>)[name];
  if (typeof tag !== 'number') throw new ModelEditError(`${options.constructor.name} is not a builtin options table`);
  return tag as fb.BuiltinOptions;
}
