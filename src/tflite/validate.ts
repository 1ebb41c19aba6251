import * as fb from './generated/tflite.js';
import { bytesPerElement, dtypeOf } from './dtype.js';
import { InvalidModelError } from './errors.js';

/** The schema version this library reads; TFLite rejects newer files too. */
export const TFLITE_SCHEMA_VERSION = 3;
const MAX_RANK = 16;
const MAX_TENSOR_BYTES = 2 ** 31 - 1;

/**
 * Checks that every index in the tree points at something and that tensor shapes,
 * buffers and quantization agree, so that code walking a Model can trust it. What it
 * checks mirrors the checks TFLite's InterpreterBuilder makes before running a model.
 */
export function validateModelTree(model: fb.ModelT, source?: string): void {
  const fail = (message: string): never => {
    throw new InvalidModelError(message, { source });
  };
  if (model.version > TFLITE_SCHEMA_VERSION) fail(`schema version ${model.version} is newer than version ${TFLITE_SCHEMA_VERSION}, the one TFLite and this library read`);
  if (model.subgraphs.length === 0) fail('the model has no subgraph');
  const nBuffers = model.buffers.length;
  const nCodes = model.operatorCodes.length;

  model.subgraphs.forEach((g, s) => {
    const where = model.subgraphs.length > 1 ? `subgraph ${s}: ` : '';
    const nTensors = g.tensors.length;
    g.tensors.forEach((t, i) => checkTensor(t, i, where, nBuffers, model.buffers, fail));
    g.inputs.forEach((t) => { if (!(t >= 0 && t < nTensors)) fail(`${where}input tensor index ${t} is out of range (${nTensors} tensors)`); });
    g.outputs.forEach((t) => { if (!(t >= 0 && t < nTensors)) fail(`${where}output tensor index ${t} is out of range (${nTensors} tensors)`); });
    g.operators.forEach((op, o) => {
      if (!(op.opcodeIndex >= 0 && op.opcodeIndex < nCodes)) fail(`${where}operator ${o} uses operator code ${op.opcodeIndex}, but the model has ${nCodes}`);
      for (const t of [...op.inputs, ...op.outputs, ...op.intermediates]) {
        if (!(t >= -1 && t < nTensors)) fail(`${where}operator ${o} refers to tensor ${t}, but the subgraph has ${nTensors} tensors`);
      }
    });
  });
  model.metadata.forEach((m) => {
    if (!(m.buffer >= 0 && m.buffer < nBuffers)) fail(`metadata '${String(m.name)}' points at buffer ${m.buffer}, but the model has ${nBuffers}`);
  });
  model.signatureDefs.forEach((sig) => {
    const g = model.subgraphs[sig.subgraphIndex];
    if (!g) fail(`signature '${String(sig.signatureKey)}' names subgraph ${sig.subgraphIndex}, which does not exist`);
    for (const m of [...sig.inputs, ...sig.outputs]) {
      if (!(m.tensorIndex >= 0 && m.tensorIndex < g!.tensors.length)) fail(`signature '${String(sig.signatureKey)}' names tensor ${m.tensorIndex}, which does not exist`);
    }
  });
}

function checkTensor(t: fb.TensorT, i: number, where: string, nBuffers: number, buffers: fb.BufferT[], fail: (m: string) => never): void {
  const name = `${where}tensor ${i} ('${String(t.name)}')`;
  // Buffer 0 means "no data" and is allowed even when the model has no buffers at all.
  if (!(t.buffer === 0 || (t.buffer > 0 && t.buffer < nBuffers))) fail(`${name} points at buffer ${t.buffer}, but the model has ${nBuffers}`);
  if (t.shape.length > MAX_RANK) fail(`${name} has an absurd rank of ${t.shape.length} (TFLite allows at most ${MAX_RANK})`);
  let elements = 1;
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < -1) fail(`${name} has an absurd shape [${t.shape.join(', ')}]`);
    elements *= d < 0 ? 1 : d;
  }
  const dtype = dtypeOf(t.type);
  if (dtype === undefined) fail(`${name} has unknown element type ${t.type}`);
  const size = bytesPerElement(dtype!);
  if (size !== undefined && elements * size > MAX_TENSOR_BYTES) {
    fail(`${name} has an absurd shape [${t.shape.join(', ')}]: ${elements * size} bytes, more than 2 GiB`);
  }
  const data = buffers[t.buffer]?.data ?? [];
  if (size !== undefined && data.length > 0 && t.sparsity === null && !t.shape.includes(-1) && data.length !== elements * size) {
    fail(`${name} has shape [${t.shape.join(', ')}] of ${dtype} (${elements * size} bytes) but its buffer holds ${data.length} bytes`);
  }
  const q = t.quantization;
  if (q && q.scale.length > 0) {
    if (q.zeroPoint.length !== 0 && q.zeroPoint.length !== q.scale.length) fail(`${name} has ${q.scale.length} quantization scales but ${q.zeroPoint.length} zero points`);
    if (q.scale.length > 1) {
      const axis = q.quantizedDimension;
      if (!(axis >= 0 && axis < t.shape.length)) fail(`${name} is quantized along dimension ${axis}, but has rank ${t.shape.length}`);
      if (t.shape[axis] !== q.scale.length) fail(`${name} has ${q.scale.length} per-channel scales for dimension ${axis} of size ${t.shape[axis]}`);
    }
  }
}
