/**
 * Several interpreters on worker threads, for throughput on batches: each worker holds its own
 * Interpreter over its own copy of the model, and takes the next queued input whenever it is
 * free. Results keep the order of the inputs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EdgeTpuLearnError } from '../errors.js';
import { InvalidModelError, Model, type TypedArray } from '../tflite/index.js';
import {
  AsyncKernelError,
  EdgeTpuRequiredError,
  InterpreterStateError,
  InvalidInputError,
  UnsupportedModelError,
  UnsupportedOperatorError,
} from './errors.js';
import type { TensorDetails } from './interpreter.js';
import type { FromWorker, SerializedError, ToWorker, WorkerInit } from './worker-protocol.js';

export interface InterpreterPoolOptions {
  /** Worker threads to start (default: os.availableParallelism()). */
  workers?: number;
  /** Handed to each worker's Interpreter (see InterpreterOptions.device). */
  device?: string;
  /**
   * Modules (paths or URLs) each worker imports before creating its interpreter: kernels
   * registered in the main thread (registerKernel) do not exist in the workers otherwise.
   */
  setupModules?: ReadonlyArray<string | URL>;
}

export interface RunBatchOptions {
  /** Called after each input completes, with how many are done out of how many. */
  onProgress?(done: number, total: number): void;
  /** Aborting rejects runBatch with the signal's reason; queued inputs are dropped. */
  signal?: AbortSignal;
}

interface Job {
  readonly inputs: readonly TypedArray[];
  resolve(outputs: TypedArray[]): void;
  reject(error: Error): void;
}

interface PoolWorker {
  readonly thread: Worker;
  job: Job | undefined;
  /** Set when the thread died (an uncaught error): it takes no more jobs. */
  failure: Error | undefined;
}

/**
 * How to start a worker. The compiled worker (dist/) sits next to this module. Under tsx (the
 * tests run from the TypeScript sources) only the .ts file exists, and Node 20 workers ignore
 * `--import tsx`: the worker then starts as a one-line script that loads the .ts entry through
 * tsx's API.
 */
function workerEntry(): { script: URL | string; eval: boolean } {
  const js = new URL('./interpreter-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { script: js, eval: false };
  const ts = new URL('./interpreter-worker.ts', import.meta.url).href;
  // The ESM build of tsx's API sits next to the CommonJS one that require.resolve finds.
  const cjsApi = createRequire(import.meta.url).resolve('tsx/esm/api');
  const esmApi = cjsApi.replace(/\.cjs$/, '.mjs');
  const api = existsSync(esmApi) ? pathToFileURL(esmApi).href : 'tsx/esm/api';
  const load = `import(${JSON.stringify(api)}).then((m) => (m.tsImport ?? m.default.tsImport)(${JSON.stringify(ts)}, ${JSON.stringify(ts)}));`;
  return { script: load, eval: true };
}

const ERRORS: Record<string, new (message: string) => EdgeTpuLearnError> = {
  UnsupportedOperatorError,
  EdgeTpuRequiredError,
  InvalidInputError,
  UnsupportedModelError,
  AsyncKernelError,
  InterpreterStateError,
  InvalidModelError,
};

/** Rebuilds a worker's error as the same class in this thread, when it is one of ours. */
function reviveError(e: SerializedError): Error {
  const Known = ERRORS[e.name];
  const error = Known ? new Known(e.message) : Object.assign(new Error(e.message), { name: e.name });
  if (e.stack) error.stack = e.stack;
  return error;
}

function modelBytes(model: Model | Uint8Array | ArrayBuffer): Uint8Array {
  if (model instanceof Model) return model.toBuffer();
  return model instanceof Uint8Array ? model : new Uint8Array(model);
}

export class InterpreterPool {
  readonly inputs: readonly TensorDetails[];
  readonly outputs: readonly TensorDetails[];
  private readonly workers: PoolWorker[];
  private readonly queue: Job[] = [];
  private closed = false;

  private constructor(workers: PoolWorker[], inputs: readonly TensorDetails[], outputs: readonly TensorDetails[]) {
    this.workers = workers;
    this.inputs = inputs;
    this.outputs = outputs;
    for (const w of workers) this.listen(w);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts the workers and creates an interpreter in each. Rejects with the first worker's
   * error (UnsupportedOperatorError, EdgeTpuRequiredError...) if the model cannot run.
   */
  static async create(model: Model | string | Uint8Array | ArrayBuffer, options: InterpreterPoolOptions = {}): Promise<InterpreterPool> {
    const count = options.workers ?? availableParallelism();
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`workers must be a positive integer, got ${count}`);
    // Parse once here so a broken file fails with the usual InvalidModelError and its path.
    const bytes = typeof model === 'string' ? (await Model.load(model)).toBuffer() : modelBytes(model);
    const entry = workerEntry();
    const setupModules = (options.setupModules ?? []).map((m) => (m instanceof URL ? m.href : m.startsWith('file:') ? m : pathToFileURL(m).href));
    const started = Array.from({ length: count }, () => {
      const copy = bytes.slice();
      const init: WorkerInit = { model: copy, setupModules, ...(options.device !== undefined ? { device: options.device } : {}) };
      const thread = new Worker(entry.script, { eval: entry.eval, workerData: init, transferList: [copy.buffer as ArrayBuffer] });
      const ready = new Promise<{ inputs: readonly TensorDetails[]; outputs: readonly TensorDetails[] }>((resolve, reject) => {
        const onMessage = (m: FromWorker): void => {
          if (m.type === 'ready') resolve({ inputs: m.inputs, outputs: m.outputs });
          else if (m.type === 'init-failed') reject(reviveError(m.error));
          else return;
          thread.off('message', onMessage);
          thread.off('error', reject);
        };
        thread.on('message', onMessage);
        thread.once('error', reject);
      });
      return { thread, ready };
    });
    const outcomes = await Promise.allSettled(started.map((s) => s.ready));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((s) => s.thread.terminate()));
      throw failure.reason;
    }
    const details = (outcomes[0] as PromiseFulfilledResult<{ inputs: readonly TensorDetails[]; outputs: readonly TensorDetails[] }>).value;
    return new InterpreterPool(started.map((s) => ({ thread: s.thread, job: undefined, failure: undefined })), details.inputs, details.outputs);
  }

  /**
   * Runs every input set (one array of input tensors per item, as Interpreter.run takes) and
   * resolves with the outputs in the same order. Outputs are fresh arrays owned by the caller.
   */
  runBatch(batch: ReadonlyArray<readonly TypedArray[]>, options: RunBatchOptions = {}): Promise<TypedArray[][]> {
    if (this.closed) return Promise.reject(new InterpreterStateError('the pool is closed; create a new one'));
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const total = batch.length;
    if (total === 0) return Promise.resolve([]);
    return new Promise<TypedArray[][]>((resolve, reject) => {
      const results = new Array<TypedArray[]>(total);
      const jobs: Job[] = [];
      let done = 0;
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        // Drop this batch's jobs that no worker has taken yet.
        for (const job of jobs) {
          const at = this.queue.indexOf(job);
          if (at >= 0) this.queue.splice(at, 1);
        }
        if (error === undefined) resolve(results);
        else reject(error);
      };
      const onAbort = (): void => finish(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      batch.forEach((inputs, i) => {
        const job: Job = {
          inputs,
          resolve: (outputs) => {
            if (settled) return;
            results[i] = outputs;
            done++;
            try {
              onProgress?.(done, total);
            } catch (e) {
              finish(e);
              return;
            }
            if (done === total) finish();
          },
          reject: (e) => finish(e),
        };
        jobs.push(job);
        this.queue.push(job);
      });
      this.dispatch();
    });
  }

  /** Stops the workers (after closing their interpreters). Queued inputs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const job of pending) job.reject(new InterpreterStateError('the pool was closed before this input ran'));
    await Promise.all(
      this.workers.map(async (w) => {
        w.job?.reject(new InterpreterStateError('the pool was closed while this input ran'));
        const closed = new Promise<void>((resolve) => {
          w.thread.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
          w.thread.once('exit', () => resolve());
        });
        w.thread.postMessage({ type: 'close' } satisfies ToWorker);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
        await w.thread.terminate();
      }),
    );
  }

  private dispatch(): void {
    const alive = this.workers.filter((w) => !w.failure);
    if (alive.length === 0) {
      const failure = this.workers[0]?.failure ?? new InterpreterStateError('the pool has no worker left');
      for (const job of this.queue.splice(0)) job.reject(failure);
      return;
    }
    for (const w of alive) {
      if (w.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      w.job = job;
      w.thread.postMessage({ type: 'run', id: 0, inputs: job.inputs } satisfies ToWorker);
    }
  }

  private listen(w: PoolWorker): void {
    w.thread.on('message', (m: FromWorker) => {
      if (m.type !== 'result' && m.type !== 'failed') return;
      const job = w.job;
      w.job = undefined;
      if (job) {
        if (m.type === 'result') job.resolve(m.outputs as TypedArray[]);
        else job.reject(reviveError(m.error));
      }
      if (!this.closed) this.dispatch();
    });
    w.thread.on('error', (e) => {
      w.failure = e;
      const job = w.job;
      w.job = undefined;
      job?.reject(e);
      if (!this.closed) this.dispatch();
    });
  }
}
