/**
 * The worker-thread side of InterpreterPool: one Interpreter per thread, running the inputs it
 * is sent and sending back copies of the outputs (transferred, so nothing is copied twice).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TypedArray } from '../tflite/index.js';
import './kernels/index.js';
import { Interpreter } from './interpreter.js';
import { serializeError, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

if (!parentPort) throw new Error('interpreter-worker runs only as a worker thread of InterpreterPool');
const port = parentPort;

const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function start(): Promise<void> {
  const init = workerData as WorkerInit;
  let interpreter: Interpreter;
  try {
    for (const m of init.setupModules) await import(m);
    interpreter = await Interpreter.create(init.model, init.device !== undefined ? { device: init.device } : {});
  } catch (e) {
    post({ type: 'init-failed', error: serializeError(e) });
    return;
  }
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      void interpreter.close().finally(() => {
        post({ type: 'closed' });
        port.close();
      });
      return;
    }
    interpreter.run(message.inputs as TypedArray[]).then(
      (outputs) => {
        const copies = outputs.map((o) => o.slice());
        post({ type: 'result', id: message.id, outputs: copies }, copies.map((c) => c.buffer as ArrayBuffer));
      },
      (e: unknown) => post({ type: 'failed', id: message.id, error: serializeError(e) }),
    );
  });
  post({ type: 'ready', inputs: interpreter.inputs, outputs: interpreter.outputs });
}

void start();
