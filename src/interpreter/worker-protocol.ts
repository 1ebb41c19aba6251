/** Messages between InterpreterPool and its worker threads. */
import type { TypedArray } from '../tflite/index.js';
import type { TensorDetails } from './interpreter.js';

/** What a worker is started with (workerData). */
export interface WorkerInit {
  /** The model's bytes; each worker receives its own copy, transferred. */
  readonly model: Uint8Array;
  readonly device?: string;
  /** Modules each worker imports before creating its interpreter (kernel registrations). */
  readonly setupModules: readonly string[];
}

/** An error as it crosses the thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly stack?: string;
}

export type ToWorker =
  | { readonly type: 'run'; readonly id: number; readonly inputs: readonly TypedArray[] }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'ready'; readonly inputs: readonly TensorDetails[]; readonly outputs: readonly TensorDetails[] }
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly outputs: readonly TypedArray[] }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError }
  | { readonly type: 'closed' };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, stack: e.stack, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}
