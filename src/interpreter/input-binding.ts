import { bytesPerElement, type DType, type TypedArray } from '../tflite/index.js';
import { InvalidInputError } from './errors.js';
import type { RuntimeTensor } from './tensor.js';

/** Inputs for run(): in model input order, or by input tensor name. */
export type InterpreterInputs = readonly TypedArray[] | Readonly<Record<string, TypedArray>>;

/** The typed-array class that holds each element type. */
const ARRAY_FOR: Partial<Record<DType, string>> = {
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
  int64: 'BigInt64Array',
  uint64: 'BigUint64Array',
};

/** What a value is, for messages: 'Float32Array', 'Array', 'null', 'number'... */
function arrayName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object';
}

/** The Typed Array kind of a view ('Uint8Array' for a Buffer too), or undefined for DataView and non-views. */
function typedKind(v: unknown): string | undefined {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return undefined;
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (v instanceof Uint8ClampedArray) return 'Uint8ClampedArray';
  return (v as TypedArray)[Symbol.toStringTag];
}

function describeExpected(t: RuntimeTensor, index: number): string {
  const bytes = t.size * (bytesPerElement(t.dtype) ?? 1);
  return `input ${index} ('${t.name}') is ${t.dtype}[${t.shape.join(', ')}]: it takes a ${ARRAY_FOR[t.dtype] ?? 'typed array'} of ${t.size} elements, or a Uint8Array of its ${bytes} raw bytes`;
}

/** Puts the model's inputs in order, or throws InvalidInputError naming what does not fit. */
function orderInputs(tensors: readonly RuntimeTensor[], given: InterpreterInputs): unknown[] {
  if (Array.isArray(given)) {
    if (given.length !== tensors.length) {
      const names = tensors.map((t) => `'${t.name}'`).join(', ');
      throw new InvalidInputError(`the model takes ${tensors.length} input${tensors.length === 1 ? '' : 's'} (${names}), got ${given.length}`);
    }
    return given;
  }
  if (given === null || typeof given !== 'object' || ArrayBuffer.isView(given)) {
    throw new InvalidInputError(`inputs must be an array of typed arrays (in model input order) or an object keyed by input name, got ${arrayName(given)}`);
  }
  const record = given as Readonly<Record<string, unknown>>;
  const names = new Set(tensors.map((t) => t.name));
  const unknown = Object.keys(record).filter((k) => !names.has(k));
  const absent = tensors.filter((t) => !(t.name in record)).map((t) => `'${t.name}'`);
  if (unknown.length > 0 || absent.length > 0) {
    const parts: string[] = [];
    if (absent.length > 0) parts.push(`missing ${absent.join(', ')}`);
    if (unknown.length > 0) parts.push(`no input is named ${unknown.map((k) => `'${k}'`).join(', ')}`);
    throw new InvalidInputError(`inputs by name: ${parts.join('; ')} (the model's inputs are ${[...names].map((n) => `'${n}'`).join(', ')})`);
  }
  return tensors.map((t) => record[t.name]);
}

/**
 * Checks every input (count, type, length) before anything is written, then copies each into
 * its tensor's dedicated buffer. A Uint8Array of the tensor's byte length is taken as raw bytes
 * for any element type.
 */
export function bindInputs(tensors: readonly RuntimeTensor[], given: InterpreterInputs): void {
  const ordered = orderInputs(tensors, given);
  const sources = ordered.map((v, i): Uint8Array => {
    const t = tensors[i]!;
    const kind = typedKind(v);
    if (kind === undefined) throw new InvalidInputError(`${describeExpected(t, i)}; got ${arrayName(v)}`);
    const view = v as TypedArray;
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const expectedKind = ARRAY_FOR[t.dtype];
    if (kind === expectedKind && view.length === t.size) return bytes;
    if ((kind === 'Uint8Array' || kind === 'Uint8ClampedArray') && view.byteLength === t.bytes.length) return bytes;
    throw new InvalidInputError(`${describeExpected(t, i)}; got a ${kind} of ${view.length} elements (${view.byteLength} bytes)`);
  });
  sources.forEach((bytes, i) => tensors[i]!.bytes.set(bytes));
}
