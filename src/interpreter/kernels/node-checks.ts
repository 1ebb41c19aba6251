/**
 * The checks every kernel runs in prepare(): operand counts and presence, element types,
 * shapes, quantization, options. One wording and one rule for the error class throughout:
 * UnsupportedOperatorError for a valid model this kernel cannot run (a type or feature it
 * lacks), InvalidModelError for a model TFLite rejects too (a missing operand, mismatched
 * types or shapes, broken quantization). Every message starts by naming the operator.
 */
import { InvalidModelError, type DType } from '../../tflite/index.js';
import { UnsupportedOperatorError } from '../errors.js';
import type { KernelNode } from '../kernel.js';
import type { RuntimeTensor } from '../tensor.js';

const typesOf = (ts: ReadonlyArray<RuntimeTensor | null>): string[] => ts.flatMap((t) => (t ? [t.dtype] : []));

/** "operator 3 (ADD: uint8, uint8 → uint8)": the start of every message about a node. */
export function describeNode(node: KernelNode): string {
  return `operator ${node.index} (${node.op}: ${typesOf(node.inputs).join(', ') || 'no inputs'} → ${typesOf(node.outputs).join(', ') || 'no outputs'})`;
}

/** A valid model this kernel cannot run. */
export function unsupported(node: KernelNode, why: string): UnsupportedOperatorError {
  return new UnsupportedOperatorError(`${describeNode(node)} is not supported: ${why}`, {
    op: node.op,
    operatorIndex: node.index,
    inputTypes: typesOf(node.inputs),
    outputTypes: typesOf(node.outputs),
  });
}

/** A model TFLite rejects too. */
export function invalid(node: KernelNode, why: string): InvalidModelError {
  return new InvalidModelError(`${describeNode(node)}: ${why}`);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** How messages name a tensor when the caller gives no role. */
const named = (t: RuntimeTensor): string => `tensor '${t.name}'`;

/** Input `i`, which the op requires. */
export function requiredInput(node: KernelNode, i: number): RuntimeTensor {
  const t = node.inputs[i];
  if (!t) throw invalid(node, `input ${i} is missing (the operator has ${node.inputs.length} inputs)`);
  return t;
}

export function optionalInput(node: KernelNode, i: number): RuntimeTensor | null {
  return node.inputs[i] ?? null;
}

/** Output `i`, which the op requires. */
export function requiredOutput(node: KernelNode, i: number): RuntimeTensor {
  const t = node.outputs[i];
  if (!t) throw invalid(node, `output ${i} is missing (the operator has ${node.outputs.length} outputs)`);
  return t;
}

/** Exactly `inputs` inputs, or between inputs[0] and inputs[1]; exactly `outputs` outputs. */
export function expectCounts(node: KernelNode, inputs: number | readonly [number, number], outputs: number): void {
  const [min, max] = typeof inputs === 'number' ? [inputs, inputs] : inputs;
  const n = node.inputs.length;
  if (n < min || n > max) throw invalid(node, `takes ${min === max ? min : `${min} to ${max}`} inputs, has ${n}`);
  if (node.outputs.length !== outputs) throw invalid(node, `has ${node.outputs.length} outputs, expected ${outputs}`);
}

/** An element type this kernel handles. */
export function expectType(node: KernelNode, t: RuntimeTensor, allowed: readonly DType[], role = named(t)): void {
  if (!allowed.includes(t.dtype)) throw unsupported(node, `${role} is ${t.dtype}; this kernel handles ${allowed.join(' or ')}`);
}

/** Operands TFLite requires to have one element type. */
export function expectSameType(node: KernelNode, a: RuntimeTensor, b: RuntimeTensor): void {
  if (a.dtype !== b.dtype) throw invalid(node, `'${a.name}' is ${a.dtype} but '${b.name}' is ${b.dtype}; they must match`);
}

/**
 * The data input and the output of an op whose output has its input's element type (PAD,
 * SLICE, TRANSPOSE, reductions, resizes...), with `inputs` operands in all (see expectCounts)
 * and a data input of a type in `dtypes`.
 */
export function sameTypeOperands(node: KernelNode, inputs: number | readonly [number, number], dtypes: readonly DType[]): { input: RuntimeTensor; output: RuntimeTensor } {
  expectCounts(node, inputs, 1);
  const input = requiredInput(node, 0);
  const output = node.outputs[0]!;
  expectType(node, input, dtypes, `input '${input.name}'`);
  expectSameType(node, input, output);
  return { input, output };
}

/** The shape the operator computes for `t`. */
export function expectShape(node: KernelNode, t: RuntimeTensor, expected: readonly number[], role = named(t)): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw invalid(node, `${role} has shape ${shapeText(t.shape)}, but the operator computes ${shapeText(expected)}`);
  }
}

export function expectRank(node: KernelNode, t: RuntimeTensor, rank: number, role = named(t)): void {
  if (t.shape.length !== rank) throw unsupported(node, `${role} has shape ${shapeText(t.shape)}; this kernel needs rank ${rank}`);
}

export interface PerTensorQuantization {
  /** As stored in the model (a float32 value). */
  scale: number;
  zeroPoint: number;
}

/**
 * The per-tensor scale and zero point of a quantized tensor. Throws InvalidModelError when it
 * has none or its scale is not positive and finite, UnsupportedOperatorError when it is
 * quantized per channel.
 */
export function perTensorQuantization(node: KernelNode, t: RuntimeTensor, role = named(t)): PerTensorQuantization {
  const q = t.quantization;
  if (!q || q.scale.length === 0) throw invalid(node, `${role} (${t.dtype}) has no quantization parameters; quantized kernels need a scale and zero point`);
  if (q.scale.length !== 1) throw unsupported(node, `${role} is quantized per channel (${q.scale.length} scales); this kernel needs one scale`);
  const scale = q.scale[0]!;
  if (!(scale > 0) || !Number.isFinite(scale)) throw invalid(node, `${role} has scale ${scale}; scales must be positive and finite`);
  return { scale, zeroPoint: q.zeroPoint[0] ?? 0 };
}

/** The builtin options table, checked to be of the expected class. */
export function optionsOf<T>(node: KernelNode, ctor: new (...args: never[]) => T): T {
  const o = node.options;
  if (o instanceof ctor) return o;
  if (o === null || o === undefined) return new ctor();
  throw invalid(node, `has ${(o as object).constructor.name} options, expected ${ctor.name}`);
}
