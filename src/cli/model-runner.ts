import { availableParallelism } from 'node:os';
// Registers the edgetpu-custom-op kernel, for --device usb.
import '../edgetpu/index.js';
import { Interpreter, InterpreterPool, resolveDevice, type TensorDetails } from '../interpreter/index.js';
import { Model, type Quantization, type TypedArray } from '../tflite/index.js';

/** The float values of an output: dequantized when quantized, as they are otherwise. */
export function dequantize(out: TypedArray, quantization: Quantization | null): Float32Array {
  const result = new Float32Array(out.length);
  const scale = quantization?.scale[0];
  const zeroPoint = quantization?.zeroPoint[0] ?? 0;
  for (let i = 0; i < out.length; i++) result[i] = scale === undefined ? Number(out[i]!) : scale * (Number(out[i]!) - zeroPoint);
  return result;
}

/**
 * The interpreter's device option for a --device value: undefined for the CPU; 'auto' becomes
 * the Edge TPU for an _edgetpu model when one is plugged in, else the CPU.
 */
export async function interpreterDevice(device: string, model: Uint8Array): Promise<string | undefined> {
  const resolved = device === 'auto' ? (await resolveDevice('auto', Model.fromBuffer(model))).device : device;
  return resolved === 'cpu' || resolved === undefined ? undefined : resolved;
}

/**
 * Runs a one-input model on many input tensors and gives its first output, dequantized: in
 * this thread for a couple of inputs or on an Edge TPU (one device, used by one interpreter),
 * on a pool of worker threads for more on the CPU.
 */
export class ModelRunner {
  private constructor(
    readonly input: TensorDetails,
    readonly output: TensorDetails,
    private readonly interpreter: Interpreter | undefined,
    private readonly pool: InterpreterPool | undefined,
  ) {}

  static async create(model: Uint8Array, options: { device: string; inputs: number }): Promise<ModelRunner> {
    const device = await interpreterDevice(options.device, model);
    const workers = Math.min(availableParallelism(), Math.ceil(options.inputs / 2));
    if (workers <= 1 || device !== undefined) {
      const interpreter = await Interpreter.create(model, device === undefined ? {} : { device });
      return new ModelRunner(interpreter.inputs[0]!, interpreter.outputs[0]!, interpreter, undefined);
    }
    const pool = await InterpreterPool.create(model, { workers, ...(device === undefined ? {} : { device }) });
    return new ModelRunner(pool.inputs[0]!, pool.outputs[0]!, undefined, pool);
  }

  async run(tensors: Uint8Array[], onProgress?: (done: number) => void): Promise<Float32Array[]> {
    const q = this.output.quantization;
    if (this.pool) {
      const outs = await this.pool.runBatch(tensors.map((t) => [t]), { onProgress: (d) => onProgress?.(d) });
      return outs.map(([o]) => dequantize(o!, q));
    }
    const results: Float32Array[] = [];
    for (const t of tensors) {
      const [o] = await this.interpreter!.run([t]);
      results.push(dequantize(o!, q));
      onProgress?.(results.length);
    }
    return results;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    await this.interpreter?.close();
  }
}

/** Indices of `scores` from best to worst (ties: the lower id first). */
export function rankScores(scores: Float32Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
}
