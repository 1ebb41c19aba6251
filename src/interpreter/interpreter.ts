import { Model, type DType, type Quantization, type TypedArray } from '../tflite/index.js';
import { AsyncKernelError, InterpreterStateError } from './errors.js';
import { noEdgeTpuError, resolveDevice, resolveDeviceSync } from './device-resolver.js';
import { bindInputs, type InterpreterInputs } from './input-binding.js';
import type { KernelRun } from './kernel.js';
import { buildRuntimeGraph, type RuntimeGraph } from './runtime-graph.js';
import { releaseArena } from './wasm/arena.js';
import { loadModelIntoKernelMemory } from './wasm/model-in-kernel-memory.js';
import type { RuntimeTensor } from './tensor.js';

export type { InterpreterInputs } from './input-binding.js';

/** A model input or output as callers see it. */
export interface TensorDetails {
  /** Tensor index in subgraph 0. */
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** null for tensors that are not quantized. */
  readonly quantization: Quantization | null;
}

export interface InterpreterOptions {
  /**
   * Where the model's Edge TPU program (edgetpu-custom-op) runs; the other operators always
   * run on the CPU kernels. Left out, or 'cpu': the CPU only (an Edge TPU model then fails
   * with EdgeTpuRequiredError). 'usb' (the first Coral USB Accelerator), 'usb:N' (the N-th
   * in listEdgeTpus() order), a path from listEdgeTpus(), or a name given to registerEdgeTpu():
   * that Edge TPU, through the Edge TPU driver (import it to register its kernel). 'auto': an
   * Edge TPU when the model has an Edge TPU program and one is plugged in, else the CPU (an
   * Edge TPU model then fails with EdgeTpuRequiredError naming its CPU variant). The resolved
   * name is handed to every kernel (KernelNode.device).
   */
  device?: 'cpu' | 'auto' | 'usb' | `usb:${number}` | (string & {});
}

/**
 * A kernel run function that holds resources (a device, a worker) carries a close() method;
 * Interpreter.close() calls it.
 */
export interface ClosableKernelRun {
  (): void | Promise<void>;
  close(): void | Promise<void>;
}

// An interpreter that is never closed gives the model's bytes back when it is garbage collected.
const modelBytesOfCollected = new FinalizationRegistry<() => void>((release) => release());

const isClosable = (run: KernelRun): run is ClosableKernelRun => typeof (run as Partial<ClosableKernelRun>).close === 'function';
const isThenable = (v: unknown): v is PromiseLike<void> => typeof (v as PromiseLike<void> | undefined)?.then === 'function';
const isAsyncFunction = (f: unknown): boolean => Object.prototype.toString.call(f) === '[object AsyncFunction]';

const detailsOf = (t: RuntimeTensor): TensorDetails => ({ index: t.index, name: t.name, shape: t.shape.slice(), dtype: t.dtype, quantization: t.quantization });

/**
 * Runs subgraph 0 of a TFLite model on the CPU with this library's kernels (and an Edge TPU
 * kernel, when one is registered). Everything is decided at create(): every operator has a
 * kernel, every tensor has its memory (one arena shared by the intermediates, dedicated buffers
 * for inputs and outputs), so run() allocates nothing.
 *
 * The arrays run() returns are views of the output buffers: the next run overwrites them.
 * Copy them (`out.slice()`) to keep results across runs.
 */
export class Interpreter {
  readonly inputs: readonly TensorDetails[];
  readonly outputs: readonly TensorDetails[];
  /** Bytes of the arena that holds every intermediate tensor. */
  readonly arenaBytes: number;
  /** What the intermediates would take if none shared memory (for comparison with arenaBytes). */
  readonly unsharedIntermediateBytes: number;

  private readonly graph: RuntimeGraph;
  /** Operators known to complete asynchronously (their run returned a promise, or is an async function). */
  private readonly asyncNodes: Set<number>;
  private readonly outputViews: TypedArray[];
  private busy = false;
  private closed = false;

  /** Gives back the model file's bytes when the interpreter read them into the kernels' memory. */
  private readonly releaseModelBytes: (() => void) | undefined;

  private constructor(graph: RuntimeGraph, releaseModelBytes?: () => void) {
    this.graph = graph;
    this.releaseModelBytes = releaseModelBytes;
    if (releaseModelBytes) modelBytesOfCollected.register(this, releaseModelBytes, this);
    this.inputs = graph.inputs.map(detailsOf);
    this.outputs = graph.outputs.map(detailsOf);
    this.arenaBytes = graph.arena.byteLength;
    this.unsharedIntermediateBytes = graph.unsharedBytes;
    this.outputViews = graph.outputs.map((t) => t.data);
    this.asyncNodes = new Set(graph.runs.flatMap((run, i) => (isAsyncFunction(run) ? [i] : [])));
  }

  /**
   * Loads and prepares a model. Throws, here and never at run(): UnsupportedOperatorError for an
   * operator without a kernel, EdgeTpuRequiredError for an Edge TPU model without the Edge TPU
   * backend, UnsupportedModelError for dynamic shapes, InvalidModelError for broken files or
   * quantization parameters.
   *
   * Memory: a model given as a path is read straight into the WebAssembly kernels' memory,
   * where its filters are packed in place, so the process holds the file once (close() gives
   * it back). A Model or bytes you pass are not written to: filters are packed into memory of
   * their own, other constants copied, and the interpreter keeps no reference to them.
   */
  static async create(model: Model | string | Uint8Array | ArrayBuffer, options: InterpreterOptions = {}): Promise<Interpreter> {
    const owned = typeof model === 'string' ? await loadModelIntoKernelMemory(model) : null;
    try {
      const m = owned ? owned.model : typeof model === 'string' ? await Model.load(model) : model instanceof Model ? model : Model.fromBuffer(model);
      const resolved = await resolveDevice(options.device, m);
      if (resolved.reason !== undefined) throw noEdgeTpuError(m, resolved.reason);
      const graph = buildRuntimeGraph(m, resolved.device, owned ? { ownedModelBytes: owned.bytes } : {});
      return new Interpreter(graph, owned?.release);
    } catch (e) {
      owned?.release();
      throw e;
    }
  }

  /**
   * create() for a model already in memory, synchronously. Device 'auto' works here for
   * models without an Edge TPU program only (finding an Edge TPU is asynchronous).
   */
  static fromModel(model: Model, options: InterpreterOptions = {}): Interpreter {
    return new Interpreter(buildRuntimeGraph(model, resolveDeviceSync(options.device, model)));
  }

  /**
   * Runs the model once. Inputs are checked (count, type, length) before anything runs; a
   * Uint8Array of the right byte length is accepted for any type. The returned arrays are
   * views of the output buffers, overwritten by the next run.
   */
  async run(inputs: InterpreterInputs): Promise<TypedArray[]> {
    this.begin(inputs);
    try {
      const runs = this.graph.runs;
      for (let i = 0; i < runs.length; i++) {
        const pending = runs[i]!();
        if (isThenable(pending)) {
          this.asyncNodes.add(i);
          await pending;
        }
      }
      return this.outputViews.slice();
    } finally {
      this.busy = false;
    }
  }

  /** run() without a promise; throws AsyncKernelError when a kernel completes asynchronously. */
  runSync(inputs: InterpreterInputs): TypedArray[] {
    if (this.asyncNodes.size > 0) throw this.asyncError([...this.asyncNodes][0]!);
    this.begin(inputs);
    try {
      const runs = this.graph.runs;
      for (let i = 0; i < runs.length; i++) {
        const pending = runs[i]!();
        if (isThenable(pending)) {
          this.asyncNodes.add(i);
          // Nobody will await it: keep its failure from becoming an unhandled rejection.
          Promise.resolve(pending).catch(() => undefined);
          throw this.asyncError(i);
        }
      }
      return this.outputViews.slice();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Releases what the interpreter holds: the Edge TPU (for one), the kernels' packed weights,
   * its arena and the model's bytes it read. It cannot run afterwards; arrays returned by
   * run() stay valid (outputs have buffers of their own).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of this.graph.runs) if (isClosable(run)) await run.close();
    releaseArena(this.graph.arena);
    if (this.releaseModelBytes) {
      modelBytesOfCollected.unregister(this);
      this.releaseModelBytes();
    }
  }

  private begin(inputs: InterpreterInputs): void {
    if (this.closed) throw new InterpreterStateError('the interpreter is closed; create a new one');
    if (this.busy) throw new InterpreterStateError('the interpreter is already running; await the previous run() (or use one interpreter per concurrent task, e.g. InterpreterPool)');
    bindInputs(this.graph.inputs, inputs);
    this.busy = true;
  }

  private asyncError(node: number): AsyncKernelError {
    const n = this.graph.nodes[node]!;
    return new AsyncKernelError(`operator ${node} (${n.op}) completes asynchronously, so this model cannot run synchronously; use await interpreter.run(...)`);
  }
}
