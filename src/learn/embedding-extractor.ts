import { Interpreter, InterpreterPool, type TensorDetails } from '../interpreter/index.js';
import { Model, type TypedArray } from '../tflite/index.js';
import { DeviceUnavailableError } from './errors.js';
import type { ModelSource } from './model-input.js';

/** Where to run: the CPU, an Edge TPU on USB (any, or the N-th), or 'auto' (the TPU when there is one). */
export type ExtractorDevice = 'cpu' | 'auto' | 'usb' | `usb:${number}`;

export interface EmbeddingExtractorOptions {
  /** Default 'auto'. Only the CPU exists for now: 'auto' means the CPU. */
  device?: ExtractorDevice;
}

export interface EmbedBatchOptions {
  /** Called after each input, with how many are done out of how many. */
  onProgress?: (done: number, total: number) => void;
  /** Rejects the batch with the signal's reason; queued inputs are dropped. */
  signal?: AbortSignal;
  /** Worker threads for the batch (default: one per CPU core). */
  workers?: number;
}

/**
 * Runs an embedding extractor (e.g. serializeExtractorModel() of an ImprintingEngine, or
 * extractorFromClassifier()) and returns float embeddings: the model's single output,
 * dequantized. One input at a time with embed(), many in parallel with embedBatch().
 */
export class EmbeddingExtractor {
  readonly device: 'cpu';
  readonly input: TensorDetails;
  readonly output: TensorDetails;
  private pool: InterpreterPool | undefined;
  private poolWorkers = 0;
  /** embed() calls run one after another on the single interpreter. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly interpreter: Interpreter,
  ) {
    this.device = 'cpu';
    this.input = interpreter.inputs[0]!;
    this.output = interpreter.outputs[0]!;
  }

  /** Loads the extractor (path, bytes or Model) on `device`. */
  static async create(model: ModelSource | string, options: EmbeddingExtractorOptions = {}): Promise<EmbeddingExtractor> {
    const device = options.device ?? 'auto';
    if (device !== 'cpu' && device !== 'auto') {
      if (!/^usb(:\d+)?$/.test(device)) throw new RangeError(`device must be 'cpu', 'auto', 'usb' or 'usb:N', got '${device}'`);
      throw new DeviceUnavailableError(device, `device '${device}': the Edge TPU driver is not available yet in this version; use device 'cpu' (or 'auto') with a CPU model.`);
    }
    const m = typeof model === 'string' ? await Model.load(model) : model instanceof Model ? model : Model.fromBuffer(model);
    const g = m.subgraph(0);
    if (g.inputs.length !== 1 || g.outputs.length !== 1) {
      throw new RangeError(`an embedding extractor has one input and one output; this model has ${g.inputs.length} and ${g.outputs.length}`);
    }
    const bytes = m.toBuffer();
    return new EmbeddingExtractor(bytes, await Interpreter.create(bytes));
  }

  /** Length of one embedding. */
  get embeddingDim(): number {
    return this.output.shape.reduce((a, d) => a * d, 1);
  }

  /** The embedding of one input (the raw input tensor, e.g. 224×224×3 RGB bytes). */
  embed(input: Uint8Array): Promise<Float32Array> {
    const next = this.queue.then(async () => {
      const [out] = await this.interpreter.run([input]);
      return this.dequantized(out!);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Embeddings of many inputs, in order, computed by a pool of worker threads. */
  async embedBatch(inputs: readonly Uint8Array[], options: EmbedBatchOptions = {}): Promise<Float32Array[]> {
    options.signal?.throwIfAborted();
    const workers = options.workers ?? 0;
    if (!this.pool || (workers > 0 && workers !== this.poolWorkers)) {
      await this.pool?.close();
      this.pool = await InterpreterPool.create(this.bytes, workers > 0 ? { workers } : {});
      this.poolWorkers = this.pool.size;
    }
    const outputs = await this.pool.runBatch(inputs.map((i) => [i]), { onProgress: options.onProgress, signal: options.signal });
    return outputs.map(([out]) => this.dequantized(out!));
  }

  /** Stops the worker threads and releases the interpreter. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    await this.interpreter.close();
  }

  private dequantized(out: TypedArray): Float32Array {
    const q = this.output.quantization;
    const result = new Float32Array(out.length);
    if (!q) {
      for (let i = 0; i < out.length; i++) result[i] = Number(out[i]!);
      return result;
    }
    const scale = q.scale[0]!;
    const zeroPoint = q.zeroPoint[0]!;
    for (let i = 0; i < out.length; i++) result[i] = scale * (Number(out[i]!) - zeroPoint);
    return result;
  }
}
