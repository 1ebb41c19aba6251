/**
 * Real TFLite 2.9 (npm tfjs-tflite-node, a devDependency) as the test oracle. It is loaded
 * in the test process: nothing else in this project loads a native TFLite.
 */
import { createRequire } from 'node:module';

interface RunnerTensor {
  name: string;
  shape: string;
  dataType: string;
  data(): ArrayBufferView;
}
interface Runner {
  getInputs(): RunnerTensor[];
  getOutputs(): RunnerTensor[];
  infer(): boolean;
}
interface TfliteNode {
  TFLiteNodeModelRunner: new (model: ArrayBuffer, options: { threads?: number }) => Runner;
}

let cached: TfliteNode | undefined;
function tflite(): TfliteNode {
  cached ??= createRequire(import.meta.url)('tfjs-tflite-node') as TfliteNode;
  return cached;
}

export interface ReferenceTensor {
  name: string;
  shape: number[];
  dtype: string;
  bytes: Uint8Array;
}

const bytesOf = (v: ArrayBufferView): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Byte i of each input = (i*7+3) mod 256, as ../shared/tools/tflite-ref.js --pattern does. */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) & 255;
  return out;
}

/**
 * Runs one inference in real TFLite. `inputs` gives each input's raw bytes, or 'pattern'
 * to fill every input with the pattern above. Outputs are copied out.
 */
export function referenceRun(model: Uint8Array, inputs: Uint8Array[] | 'pattern'): { inputs: ReferenceTensor[]; outputs: ReferenceTensor[] } {
  const ab = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer;
  const runner = new (tflite().TFLiteNodeModelRunner)(ab, { threads: 1 });
  const ins = runner.getInputs();
  const describe = (t: RunnerTensor, bytes: Uint8Array): ReferenceTensor => ({
    name: t.name,
    shape: t.shape === '' ? [] : t.shape.split(',').map(Number),
    dtype: t.dataType,
    bytes,
  });
  ins.forEach((t, k) => {
    const view = bytesOf(t.data());
    if (inputs === 'pattern') view.set(patternBytes(view.length));
    else {
      const src = inputs[k];
      if (!src || src.length !== view.length) throw new Error(`oracle: input ${k} needs ${view.length} bytes, got ${src?.length}`);
      view.set(src);
    }
  });
  const inputRecords = ins.map((t) => describe(t, Uint8Array.from(bytesOf(t.data()))));
  if (!runner.infer()) throw new Error('oracle: TFLite inference failed');
  const outputs = runner.getOutputs().map((t) => describe(t, Uint8Array.from(bytesOf(t.data()))));
  return { inputs: inputRecords, outputs };
}
