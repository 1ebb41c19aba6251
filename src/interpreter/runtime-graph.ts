import { bytesPerElement, typedView, InvalidModelError, type Model, type OperatorInfo, type TensorInfo } from '../tflite/index.js';
import { planArena, type ArenaRequest } from './arena-planner.js';
import { UnsupportedModelError } from './errors.js';
import type { KernelDefinition, KernelNode, KernelRun } from './kernel.js';
import { resolveKernels } from './kernel-resolution.js';
import { checkQuantization, checkStaticShape } from './model-checks.js';
import type { RuntimeTensor } from './tensor.js';
import { allocateArena } from './wasm/arena.js';

/** Subgraph 0 of a model made runnable: tensors with their memory, and one prepared kernel per operator. */
export interface RuntimeGraph {
  readonly tensors: ReadonlyArray<RuntimeTensor | undefined>;
  readonly nodes: readonly KernelNode[];
  readonly runs: readonly KernelRun[];
  readonly inputs: readonly RuntimeTensor[];
  readonly outputs: readonly RuntimeTensor[];
  /** The one buffer every intermediate tensor is a slice of. */
  readonly arena: Uint8Array;
  /** Bytes the intermediates would take without sharing (for comparison with arena.byteLength). */
  readonly unsharedBytes: number;
}

const elementCount = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/** Custom options up to this size are copied; larger ones (an Edge TPU program) stay views of the model's bytes. */
const COPIED_CUSTOM_OPTIONS = 64 * 1024;

/** The constants that only kernels' prepare reads (see KernelDefinition.preparedInputs). */
function constantsReadInPrepareOnly(ops: readonly OperatorInfo[], kernels: readonly KernelDefinition[], infos: readonly TensorInfo[]): Set<number> {
  const candidates = new Set<number>();
  const readAtRun = new Set<number>();
  ops.forEach((op, i) => {
    const prepared = kernels[i]?.preparedInputs ?? [];
    op.inputs.forEach((t, position) => {
      if (t < 0 || !infos[t]?.isConstant) return;
      (prepared.includes(position) ? candidates : readAtRun).add(t);
    });
  });
  for (const t of readAtRun) candidates.delete(t);
  return candidates;
}

/**
 * The constants a kernel may rewrite in prepare (RuntimeTensor.writableInPrepare): read in
 * prepare only, by a single operator input, with a buffer of their own, inside `owned`.
 */
function constantsWritableInPrepare(ops: readonly OperatorInfo[], infos: readonly TensorInfo[], readInPrepareOnly: Set<number>, model: Model, owned: Uint8Array): Set<number> {
  const reads = new Map<number, number>();
  for (const op of ops) for (const t of op.inputs) if (t >= 0) reads.set(t, (reads.get(t) ?? 0) + 1);
  const tensorsOfBuffer = new Map<number, number>();
  for (const t of infos) tensorsOfBuffer.set(t.buffer, (tensorsOfBuffer.get(t.buffer) ?? 0) + 1);
  const writable = new Set<number>();
  for (const index of readInPrepareOnly) {
    const t = infos[index]!;
    const data = model.bufferData(t.buffer);
    const inside = data.buffer === owned.buffer && data.byteOffset >= owned.byteOffset && data.byteOffset + data.byteLength <= owned.byteOffset + owned.byteLength;
    if (inside && reads.get(index) === 1 && tensorsOfBuffer.get(t.buffer) === 1) writable.add(index);
  }
  return writable;
}

/** How buildRuntimeGraph may treat the model's bytes. */
export interface RuntimeGraphOptions {
  /**
   * The model's bytes when the interpreter owns them (it read the file into the WebAssembly
   * kernels' memory, and nobody else sees them): kernels may then pack filters in place.
   */
  readonly ownedModelBytes?: Uint8Array;
}

/**
 * Validates the model, resolves kernels, plans memory and prepares every kernel. Memory:
 * model inputs, model outputs and variable tensors get dedicated buffers; every other
 * non-constant tensor is a slice of one arena, shared between tensors whose lifetimes do not
 * overlap. Constants that kernels only read in prepare (filters and biases, packed into the
 * WebAssembly kernels' memory) are views of the model's bytes until every kernel is prepared,
 * then emptied; the other constants (shapes, small operands) are copied. So the graph keeps no
 * reference to the model's bytes (except a custom operator's options larger than 64 KiB, an
 * Edge TPU program), and they can be garbage collected once the caller lets go of the Model.
 * With options.ownedModelBytes, convolution and fully connected filters are packed where they
 * are, and those bytes stay in use for as long as the graph runs.
 */
export function buildRuntimeGraph(model: Model, device: string | undefined, options: RuntimeGraphOptions = {}): RuntimeGraph {
  const source = model.source;
  const g = model.subgraph(0);
  const infos = g.tensors;
  const ops = g.operators;
  for (const t of infos) {
    checkStaticShape(t, source);
    checkQuantization(t, source);
  }
  const kernels = resolveKernels(ops, infos, source, device);
  const readInPrepareOnly = constantsReadInPrepareOnly(ops, kernels, infos);
  const owned = options.ownedModelBytes;
  const writable = owned ? constantsWritableInPrepare(ops, infos, readInPrepareOnly, model, owned) : new Set<number>();

  // Which tensors the run touches, and when.
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const touch = (t: number, at: number, written: boolean): void => {
    if (t < 0) return;
    if (t >= infos.length) throw new InvalidModelError(`operator ${at} refers to tensor ${t}, but subgraph 0 has ${infos.length} tensors`, { source });
    // Operators are visited in order, so the first touch decides; a tensor read before
    // anything writes it lives from the start.
    if (!first.has(t)) first.set(t, written ? at : 0);
    last.set(t, Math.max(last.get(t) ?? -1, at));
  };
  ops.forEach((op, i) => {
    op.inputs.forEach((t) => touch(t, i, false));
    op.outputs.forEach((t) => touch(t, i, true));
    (g.raw.operators[i]?.intermediates ?? []).forEach((t) => touch(t, i, true));
  });
  const ioTensors = new Set([...g.inputs, ...g.outputs]);
  for (const t of ioTensors) touch(t, 0, true);

  const byteSize = (t: TensorInfo): number => {
    const size = bytesPerElement(t.dtype);
    if (size === undefined) throw new UnsupportedModelError(`tensor ${t.index} ('${t.name}') has element type ${t.dtype}, which this interpreter cannot hold`);
    return elementCount(t.shape) * size;
  };

  const tensors: Array<RuntimeTensor | undefined> = new Array(infos.length);
  const arenaRequests: ArenaRequest[] = [];
  const make = (t: TensorInfo, bytes: Uint8Array): RuntimeTensor => {
    const data = typedView(t.dtype, bytes);
    const aligned = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { index: t.index, name: t.name, dtype: t.dtype, shape: t.shape, size: elementCount(t.shape), quantization: t.quantization, isConstant: t.isConstant, bytes: aligned, data };
  };

  for (const index of first.keys()) {
    const t = infos[index]!;
    const size = byteSize(t);
    if (ioTensors.has(index) || t.isVariable) {
      const bytes = new Uint8Array(new ArrayBuffer(size));
      if (t.isVariable) {
        // TFLite resets variable tensors to zero (to the zero point for int8) and ignores their buffers.
        const zp = t.dtype === 'int8' ? (t.quantization?.zeroPoint[0] ?? 0) : 0;
        bytes.fill(zp & 255);
      } else if (t.isConstant) {
        bytes.set(model.bufferData(t.buffer).subarray(0, size));
      }
      tensors[index] = { ...make(t, bytes), isConstant: false };
    } else if (t.isConstant) {
      const data = model.bufferData(t.buffer);
      if (data.length !== size) {
        throw new InvalidModelError(`tensor ${index} ('${t.name}', ${t.dtype}[${t.shape.join(', ')}]) needs ${size} bytes of constant data, its buffer holds ${data.length}`, { source });
      }
      // new Uint8Array(view) copies into a buffer of its own.
      tensors[index] = { ...make(t, readInPrepareOnly.has(index) ? data : new Uint8Array(data)), ...(writable.has(index) ? { writableInPrepare: true } : {}) };
    } else {
      arenaRequests.push({ tensor: index, size, first: first.get(index)!, last: last.get(index)! });
    }
  }

  const plan = planArena(arenaRequests);
  // In the WebAssembly kernels' memory when they are on, so that they work on tensors in place.
  const arena = allocateArena(plan.bytes);
  for (const r of arenaRequests) {
    const offset = plan.offsets.get(r.tensor)!;
    tensors[r.tensor] = make(infos[r.tensor]!, arena.subarray(offset, offset + r.size));
  }

  const at = (i: number): RuntimeTensor => tensors[i]!;
  const nodes: KernelNode[] = ops.map((op, i) => ({
    index: i,
    op: op.op,
    version: op.version,
    inputs: op.inputs.map((t) => (t < 0 ? null : at(t))),
    outputs: op.outputs.map(at),
    intermediates: (g.raw.operators[i]?.intermediates ?? []).map(at),
    options: op.options,
    customOptions:
      op.customOptions instanceof Uint8Array ? (op.customOptions.length <= COPIED_CUSTOM_OPTIONS ? new Uint8Array(op.customOptions) : op.customOptions) : Uint8Array.from(op.customOptions ?? []),
    ...(device !== undefined ? { device } : {}),
  }));
  const runs = nodes.map((node, i) => kernels[i]!.prepare(node));
  // Packed or copied by now: let go of the model's bytes.
  for (const index of readInPrepareOnly) {
    const t = tensors[index];
    if (!t) continue;
    t.bytes = new Uint8Array(0);
    t.data = typedView(t.dtype, t.bytes);
  }

  return {
    tensors,
    nodes,
    runs,
    inputs: g.inputs.map(at),
    outputs: g.outputs.map(at),
    arena,
    unsharedBytes: arenaRequests.reduce((a, r) => a + r.size, 0),
  };
}
