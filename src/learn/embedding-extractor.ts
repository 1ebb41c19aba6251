import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
// Importing the driver registers the Edge TPU kernel and the resolver of device 'auto'. The
// native `usb` module is loaded on the first USB access only, which the CPU path never makes.
// (A dynamic import() here would, under tsx, load a second copy of the driver beside the one
// the rest of the program imports: its kernel would land in another registry.)
import { EdgeTpuNotFoundError, listEdgeTpus } from '../edgetpu/index.js';
import { EdgeTpuRequiredError, Interpreter, InterpreterPool, resolveDevice, type TensorDetails } from '../interpreter/index.js';
import { Model, type TypedArray } from '../tflite/index.js';
import { UnsupportedModelError } from './errors.js';
import type { ModelSource } from './model-input.js';

/** Where to run: the CPU, an Edge TPU on USB (any, or the N-th), or 'auto' (the TPU when there is one). */
export type ExtractorDevice = 'cpu' | 'auto' | 'usb' | `usb:${number}`;

/** Where an extractor runs ('auto' resolved). */
export type ExtractorRunDevice = Exclude<ExtractorDevice, 'auto'>;

export interface EmbeddingExtractorOptions {
  /**
   * Default 'auto': the Edge TPU when the model is an _edgetpu one and a Coral USB Accelerator
   * is plugged in, else the CPU. 'usb' / 'usb:N' need an _edgetpu model; on the CPU an
   * _edgetpu model is replaced by its CPU variant (see cpuModel).
   */
  device?: ExtractorDevice;
  /**
   * The CPU variant of an _edgetpu model (the .tflite it was compiled from): what runs when
   * the extractor runs on the CPU. Left out, the file of the same name without `_edgetpu`
   * beside the model's file is used when there is one.
   */
  cpuModel?: ModelSource | string;
}

export interface EmbedBatchOptions {
  /** Called after each input, with how many are done out of how many. */
  onProgress?: (done: number, total: number) => void;
  /** Rejects the batch with the signal's reason; queued inputs are dropped. */
  signal?: AbortSignal;
  /** Worker threads for the batch on the CPU (default: one per CPU core). On an Edge TPU the inputs run one after another. */
  workers?: number;
}

const DEVICE_NAME = /^(cpu|auto|usb|usb:\d+)$/;
const RUN_DEVICE = /^(usb|usb:\d+)$/;

const loadModel = async (source: ModelSource | string): Promise<Model> =>
  typeof source === 'string' ? Model.load(source) : source instanceof Model ? source : Model.fromBuffer(source);

const tensorType = (t: { dtype: string; shape: readonly number[] }): string => `${t.dtype}[${t.shape.join(', ')}]`;
const elements = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

function checkExtractorShape(m: Model, what: string): void {
  const g = m.subgraph(0);
  checkExtractorCounts(g.inputs.length, g.outputs.length, what);
}

function checkExtractorCounts(inputs: number, outputs: number, what: string): void {
  if (inputs !== 1 || outputs !== 1) throw new RangeError(`an embedding extractor has one input and one output; ${what} has ${inputs} and ${outputs}`);
}

/** The file an _edgetpu model's CPU variant would be: beside it, the same name without `_edgetpu`. */
function siblingCpuVariant(path: string | undefined): string | undefined {
  if (!path || !basename(path).includes('_edgetpu')) return undefined;
  return join(dirname(path), basename(path).replace('_edgetpu', ''));
}

/**
 * The model to run on the CPU in place of an _edgetpu one: the given CPU variant, else the
 * file beside it; else EdgeTpuRequiredError saying which file to give. `why` says why the CPU.
 * `path`: the variant's file, when it was read from one here.
 */
async function cpuVariantOf(compiled: Model, given: ModelSource | string | undefined, why: string): Promise<{ cpu: Model; path?: string }> {
  const name = compiled.source ? basename(compiled.source) : 'the model';
  let cpu: Model;
  let what: string;
  let path: string | undefined;
  if (given !== undefined) {
    cpu = await loadModel(given);
    if (typeof given === 'string') path = given;
    what = `the CPU variant${cpu.source ? ` ${basename(cpu.source)}` : ''}`;
    if (cpu.isEdgeTpuModel) {
      throw new UnsupportedModelError(`The cpuModel option (${what}) is compiled for the Edge TPU too.`, 'Give the .tflite the _edgetpu model was compiled from (the same file name without _edgetpu).');
    }
  } else {
    const sibling = siblingCpuVariant(compiled.source);
    if (!sibling || !existsSync(sibling)) {
      const expected = sibling ? basename(sibling) : undefined;
      throw new EdgeTpuRequiredError(
        `${name} is compiled for the Edge TPU, and the extractor runs on the CPU: ${why}. ` +
          `Give its CPU variant${expected ? ` ${expected}` : ' (the same file name without _edgetpu)'} as the cpuModel option` +
          `${sibling ? `, or put it beside the model (looked for ${sibling})` : ''}, or plug in a Coral USB Accelerator and use device 'usb' or 'auto'.`,
        expected ? { cpuVariant: sibling } : {},
      );
    }
    cpu = await Model.load(sibling);
    path = sibling;
    what = `the CPU variant ${basename(sibling)}`;
  }
  checkExtractorShape(cpu, what);
  // The variant must take the same input and give embeddings of the same length.
  const [a, b] = [compiled.subgraph(0), cpu.subgraph(0)];
  const [inA, inB, outA, outB] = [a.inputTensors[0]!, b.inputTensors[0]!, a.outputTensors[0]!, b.outputTensors[0]!];
  if (inA.dtype !== inB.dtype || elements(inA.shape) !== elements(inB.shape) || elements(outA.shape) !== elements(outB.shape)) {
    throw new UnsupportedModelError(
      `${what} does not match ${name}: input ${tensorType(inB)} and output ${tensorType(outB)}, against ${tensorType(inA)} and ${tensorType(outA)}.`,
      'Give the CPU model the _edgetpu one was compiled from.',
    );
  }
  return path === undefined ? { cpu } : { cpu, path };
}

/**
 * Runs an embedding extractor (e.g. serializeExtractorModel() of an ImprintingEngine, or
 * extractorFromClassifier()) and returns float embeddings: the model's single output,
 * dequantized. One input at a time with embed(), many in parallel with embedBatch().
 */
export class EmbeddingExtractor {
  /** Where it runs: 'cpu', or the Edge TPU ('usb', 'usb:N'). */
  readonly device: ExtractorRunDevice;
  readonly input: TensorDetails;
  readonly output: TensorDetails;
  private pool: InterpreterPool | undefined;
  private poolWorkers = 0;
  /** embed() calls run one after another on the single interpreter. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /**
     * The model for the CPU worker pool of embedBatch() (its file, or its bytes); null on an
     * Edge TPU, where there is no pool.
     */
    private readonly poolModel: string | Uint8Array | null,
    private readonly interpreter: Interpreter,
    device: ExtractorRunDevice,
  ) {
    this.device = device;
    this.input = interpreter.inputs[0]!;
    this.output = interpreter.outputs[0]!;
  }

  /**
   * Loads the extractor (path, bytes or Model) on `device` (default 'auto'). On the CPU an
   * _edgetpu model is replaced by its CPU variant (options.cpuModel, or the file beside it);
   * without one that is EdgeTpuRequiredError. 'usb'/'usb:N' with no such Edge TPU plugged in
   * is EdgeTpuNotFoundError; with a CPU model, UnsupportedModelError.
   */
  static async create(model: ModelSource | string, options: EmbeddingExtractorOptions = {}): Promise<EmbeddingExtractor> {
    const requested = options.device ?? 'auto';
    if (!DEVICE_NAME.test(requested)) throw new RangeError(`device must be 'cpu', 'auto', 'usb' or 'usb:N', got '${String(requested)}'`);
    if (typeof model === 'string' && (requested === 'cpu' || requested === 'auto')) {
      const fromFile = await EmbeddingExtractor.fromCpuModelFile(model);
      if (fromFile) return fromFile;
    }
    const m = await loadModel(model);
    checkExtractorShape(m, 'this model');

    if (!m.isEdgeTpuModel) {
      if (requested !== 'cpu' && requested !== 'auto') {
        throw new UnsupportedModelError(
          `device '${requested}' runs Edge TPU programs, and ${m.source ? basename(m.source) : 'this model'} has none (it has no edgetpu-custom-op): it is a CPU model.`,
          "Use device 'cpu' or 'auto' for it, or give its _edgetpu version (compiled with edgetpu_compiler) to run on the Edge TPU.",
        );
      }
      return EmbeddingExtractor.onCpu(m);
    }

    if (requested === 'cpu') {
      const { cpu, path } = await cpuVariantOf(m, options.cpuModel, "device 'cpu' was asked for");
      return EmbeddingExtractor.onCpu(cpu, path);
    }
    let device: string;
    if (requested === 'auto') {
      const resolved = await resolveDevice('auto', m);
      if (resolved.device === 'cpu' || resolved.device === undefined) {
        const { cpu, path } = await cpuVariantOf(m, options.cpuModel, `device 'auto' chose it because ${resolved.reason ?? 'it found no Edge TPU'}`);
        return EmbeddingExtractor.onCpu(cpu, path);
      }
      device = resolved.device;
    } else {
      // Fail here rather than at the first embed() when the asked-for accelerator is not there.
      const found = await listEdgeTpus();
      const n = requested === 'usb' ? 0 : Number(requested.slice(4));
      if (n >= found.length) {
        throw new EdgeTpuNotFoundError(
          `device '${requested}': ${found.length === 0 ? 'no Coral USB Accelerator is plugged in' : `there are ${found.length} Edge TPU(s) plugged in (usb:0 to usb:${found.length - 1})`}; ` +
            "plug one in, or use device 'cpu' with the model's CPU variant.",
        );
      }
      device = requested;
    }
    const interpreter = await Interpreter.create(m, { device });
    return new EmbeddingExtractor(null, interpreter, RUN_DEVICE.test(device) ? (device as ExtractorRunDevice) : 'usb');
  }

  /**
   * A CPU model's file, read by the interpreter alone (into the kernels' memory, filters
   * packed in place: the file is held once); null for an _edgetpu model, which the caller
   * handles. The worker pool reads the file again if embedBatch() is called.
   */
  private static async fromCpuModelFile(path: string): Promise<EmbeddingExtractor | null> {
    let interpreter: Interpreter;
    try {
      interpreter = await Interpreter.create(path, { device: 'cpu' });
    } catch (e) {
      if (e instanceof EdgeTpuRequiredError) return null;
      throw e;
    }
    try {
      checkExtractorCounts(interpreter.inputs.length, interpreter.outputs.length, 'this model');
    } catch (e) {
      await interpreter.close();
      throw e;
    }
    return new EmbeddingExtractor(path, interpreter, 'cpu');
  }

  /**
   * The extractor on the CPU. `path`: the file `m` was read from by this class (never a Model
   * the caller passed, which may have been edited since): the interpreter then reads it into
   * the kernels' memory and packs the filters in place, and the worker pool reads it again
   * if embedBatch() is called, so no copy of the model stays in the meantime.
   */
  private static async onCpu(m: Model, path?: string): Promise<EmbeddingExtractor> {
    if (path !== undefined) return new EmbeddingExtractor(path, await Interpreter.create(path, { device: 'cpu' }), 'cpu');
    const bytes = m.toBuffer();
    return new EmbeddingExtractor(bytes, await Interpreter.create(bytes, { device: 'cpu' }), 'cpu');
  }

  /** Length of one embedding. */
  get embeddingDim(): number {
    return this.output.shape.reduce((a, d) => a * d, 1);
  }

  /**
   * The embedding of one input: the input tensor as its typed array (what toInputTensor
   * returns for `extractor.input`) or as its raw bytes (e.g. 224×224×3 RGB bytes).
   */
  embed(input: TypedArray): Promise<Float32Array> {
    const next = this.queue.then(async () => {
      const [out] = await this.interpreter.run([input]);
      return this.dequantized(out!);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Embeddings of many inputs, in order, computed by a pool of worker threads. */
  async embedBatch(inputs: readonly TypedArray[], options: EmbedBatchOptions = {}): Promise<Float32Array[]> {
    options.signal?.throwIfAborted();
    // One Edge TPU serves one request at a time: worker threads would only contend for it.
    if (this.poolModel === null) return this.embedInTurn(inputs, options);
    const workers = options.workers ?? 0;
    if (!this.pool || (workers > 0 && workers !== this.poolWorkers)) {
      await this.pool?.close();
      this.pool = await InterpreterPool.create(this.poolModel, workers > 0 ? { workers } : {});
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

  private async embedInTurn(inputs: readonly TypedArray[], options: EmbedBatchOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const input of inputs) {
      options.signal?.throwIfAborted();
      out.push(await this.embed(input));
      options.onProgress?.(out.length, inputs.length);
    }
    return out;
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
