import { basename } from 'node:path';
import { EDGETPU_CUSTOM_OP, type DType, type OperatorInfo, type TensorInfo } from '../tflite/index.js';
import { EdgeTpuRequiredError, UnsupportedOperatorError } from './errors.js';
import type { KernelDefinition } from './kernel.js';
import { findKernel, supportedDtypes } from './registry.js';

/** Ops that run other subgraphs: this interpreter runs subgraph 0 only. */
const CONTROL_FLOW_OPS = new Set(['WHILE', 'IF', 'CALL_ONCE', 'CALL']);

/** The element type a kernel is looked up by: the first input's (the first output's for ops without inputs). */
export function kernelDtypeOf(op: OperatorInfo, tensors: readonly TensorInfo[]): DType | undefined {
  const first = op.inputs.find((i) => i >= 0) ?? op.outputs[0];
  return first === undefined ? undefined : tensors[first]?.dtype;
}

const typesOf = (ids: readonly number[], tensors: readonly TensorInfo[]): string[] => ids.filter((i) => i >= 0).map((i) => tensors[i]?.dtype ?? '?');

/** 'operator 3 (CAST v1: uint8 → float32)' */
export function describeOperator(op: OperatorInfo, tensors: readonly TensorInfo[]): string {
  const ins = typesOf(op.inputs, tensors).join(', ') || 'no inputs';
  const outs = typesOf(op.outputs, tensors).join(', ') || 'no outputs';
  return `operator ${op.index} (${op.op} v${op.version}: ${ins} → ${outs})`;
}

/** The CPU variant of an Edge TPU model file: the same name without `_edgetpu`. */
export function cpuVariantName(source: string | undefined): string | undefined {
  if (!source) return undefined;
  const name = basename(source);
  return name.includes('_edgetpu') ? name.replace('_edgetpu', '') : undefined;
}

/**
 * Finds the kernel of every operator, or throws: EdgeTpuRequiredError for a compiled Edge TPU
 * program with no Edge TPU kernel registered (or with device 'cpu'), UnsupportedOperatorError
 * naming the first operator without a kernel (and listing every other missing op).
 */
export function resolveKernels(ops: readonly OperatorInfo[], tensors: readonly TensorInfo[], source: string | undefined, device?: string): KernelDefinition[] {
  // device 'cpu' asks for the CPU only: a compiled Edge TPU program then has no kernel.
  const cpuOnly = device === 'cpu';
  const found: Array<KernelDefinition | undefined> = ops.map((op) => {
    const dtype = kernelDtypeOf(op, tensors);
    if (dtype === undefined || (cpuOnly && op.op === EDGETPU_CUSTOM_OP)) return undefined;
    return findKernel(op.op, dtype);
  });

  const edgeTpu = ops.find((op, i) => op.op === EDGETPU_CUSTOM_OP && !found[i]);
  if (edgeTpu) {
    const model = source ? `${basename(source)} ` : 'this model ';
    const cpu = cpuVariantName(source);
    const variant = cpu ? `its CPU variant ${cpu} (the same file name without _edgetpu)` : 'its CPU variant (the same file name without _edgetpu)';
    const why = cpuOnly ? "the interpreter was created for device 'cpu'" : 'no Edge TPU kernel is registered';
    throw new EdgeTpuRequiredError(
      `${model}needs an Edge TPU: operator ${edgeTpu.index} is ${EDGETPU_CUSTOM_OP}, a program compiled for the Edge TPU, ` +
        `and ${why}. Run ${variant} on the CPU, or connect a Coral Edge TPU and use the Edge TPU backend.`,
      cpu ? { cpuVariant: cpu } : {},
    );
  }

  const missing = ops.filter((_, i) => !found[i]);
  if (missing.length > 0) {
    const first = missing[0]!;
    const dtype = kernelDtypeOf(first, tensors);
    const others = [...new Set(missing.map((op) => op.op))];
    const known = supportedDtypes(first.op);
    let why: string;
    if (CONTROL_FLOW_OPS.has(first.op)) why = `${first.op} runs other subgraphs, and this interpreter runs subgraph 0 only`;
    else if (known.length > 0) why = `the ${first.op} kernel handles ${known.join(', ')} inputs, not ${dtype}`;
    else why = `no kernel implements ${first.op}`;
    const also = others.length > 1 ? `; the model also uses ${others.filter((o) => o !== first.op).join(', ')}, which ${others.length > 2 ? 'have' : 'has'} no kernel either` : '';
    const where = source ? `${basename(source)}: ` : '';
    throw new UnsupportedOperatorError(`${where}${describeOperator(first, tensors)} is not supported: ${why}${also}`, {
      op: first.op,
      operatorIndex: first.index,
      inputTypes: typesOf(first.inputs, tensors),
      outputTypes: typesOf(first.outputs, tensors),
      missingOps: others,
    });
  }
  return found as KernelDefinition[];
}
