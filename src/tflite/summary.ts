import { EDGETPU_CUSTOM_OP } from './opcodes.js';
import type { Model } from './model.js';
import type { TensorInfo } from './views.js';

/** A tensor as `inspect` reports it. */
export interface TensorSummary {
  index: number;
  name: string;
  shape: number[];
  dtype: string;
  /** Quantization scales (one per channel for per-channel tensors), or null. */
  scale: number[] | null;
  zeroPoint: number[] | null;
  /** Quantized dimension, present only for per-channel tensors. */
  axis?: number;
}

/** Everything `edgetpu-learn inspect --json` prints; the fields are documented in README.md. */
export interface ModelSummary {
  file: string | null;
  bytes: number;
  schemaVersion: number;
  description: string;
  subgraphs: number;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  operators: { total: number; counts: Record<string, number> };
  edgetpu: {
    /** True when the model holds a program compiled for the Edge TPU. */
    compiled: boolean;
    /** Operators that run on the Edge TPU: each edgetpu-custom-op with its compiled program size. */
    operators: Array<{ subgraph: number; index: number; customOptionsBytes: number }>;
    /** Operators that run on the CPU (everything that is not an edgetpu-custom-op), by op name. */
    cpuOperators: Record<string, number>;
  };
  metadata: Array<{ name: string; bytes: number }>;
  signatures: Array<{ key: string; subgraph: number; inputs: string[]; outputs: string[] }>;
}

function tensorSummary(t: TensorInfo): TensorSummary {
  const q = t.quantization;
  const out: TensorSummary = {
    index: t.index,
    name: t.name,
    shape: t.shape,
    dtype: t.dtype,
    scale: q ? Array.from(q.scale) : null,
    zeroPoint: q ? Array.from(q.zeroPoint) : null,
  };
  if (q && q.scale.length > 1) out.axis = q.axis;
  return out;
}

const count = (names: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
};

/** The facts `inspect` shows about a model. `bytes` is the file size when known. */
export function summarizeModel(model: Model, options: { file?: string; bytes?: number } = {}): ModelSummary {
  const main = model.subgraph(0);
  const allOps = model.subgraphs.flatMap((g) => g.operators);
  const placement = model.placement();
  return {
    file: options.file ?? model.source ?? null,
    bytes: options.bytes ?? model.toBuffer().length,
    schemaVersion: model.version,
    description: model.description,
    subgraphs: model.subgraphs.length,
    inputs: main.inputTensors.map(tensorSummary),
    outputs: main.outputTensors.map(tensorSummary),
    operators: { total: allOps.length, counts: count(allOps.map((o) => o.op)) },
    edgetpu: {
      compiled: allOps.some((o) => o.op === EDGETPU_CUSTOM_OP),
      operators: placement.flatMap((p) => p.edgetpu.map((o) => ({ subgraph: p.subgraph, index: o.index, customOptionsBytes: o.customOptions.length }))),
      cpuOperators: count(placement.flatMap((p) => p.cpu.map((o) => o.op))),
    },
    metadata: model.raw.metadata.map((m) => ({ name: typeof m.name === 'string' ? m.name : '', bytes: model.bufferData(m.buffer).length })),
    signatures: model.raw.signatureDefs.map((s) => ({
      key: typeof s.signatureKey === 'string' ? s.signatureKey : '',
      subgraph: s.subgraphIndex,
      inputs: s.inputs.map((m) => String(m.name)),
      outputs: s.outputs.map((m) => String(m.name)),
    })),
  };
}
