import * as fb from './generated/tflite.js';

/**
 * Cuts subgraph `s` so that `outputs` are its outputs: keeps only the operators needed
 * to compute them (walking back from the outputs), then drops tensors, buffers and
 * operator codes that nothing refers to any more and renumbers every reference.
 */
export function cutSubgraph(model: fb.ModelT, s: number, outputs: readonly number[]): void {
  const g = model.subgraphs[s]!;
  const producer = new Map<number, number>();
  g.operators.forEach((op, o) => op.outputs.forEach((t) => producer.set(t, o)));
  const keepOps = new Set<number>();
  const stack = [...outputs];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t < 0 || seen.has(t)) continue;
    seen.add(t);
    const o = producer.get(t);
    if (o === undefined || keepOps.has(o)) continue;
    keepOps.add(o);
    const op = g.operators[o]!;
    stack.push(...op.inputs, ...op.intermediates);
  }
  g.operators = g.operators.filter((_, o) => keepOps.has(o));
  g.outputs = outputs.slice();
  // An input that no kept operator reads (and that is not an output) is gone from the model.
  const read = new Set<number>(outputs);
  for (const op of g.operators) for (const t of op.inputs) read.add(t);
  g.inputs = g.inputs.filter((t) => read.has(t));
  // Signatures of this subgraph now return the new outputs, keyed by tensor name.
  for (const sig of model.signatureDefs) {
    if (sig.subgraphIndex !== s) continue;
    sig.outputs = outputs.map((t) => new fb.TensorMapT(typeof g.tensors[t]!.name === 'string' ? g.tensors[t]!.name : `output_${t}`, t));
  }
  pruneModel(model);
}

/** Drops unreferenced tensors (per subgraph), buffers and operator codes, renumbering references. */
export function pruneModel(model: fb.ModelT): void {
  model.subgraphs.forEach((g, s) => pruneTensors(model, g, s));
  pruneBuffers(model);
  pruneOperatorCodes(model);
}

function pruneTensors(model: fb.ModelT, g: fb.SubGraphT, s: number): void {
  const used = new Set<number>([...g.inputs, ...g.outputs]);
  for (const op of g.operators) for (const t of [...op.inputs, ...op.outputs, ...op.intermediates]) if (t >= 0) used.add(t);
  const signatures = model.signatureDefs.filter((sig) => sig.subgraphIndex === s);
  if (used.size === g.tensors.length) return;
  const remap = new Map<number, number>();
  const kept: fb.TensorT[] = [];
  g.tensors.forEach((t, i) => {
    if (used.has(i)) {
      remap.set(i, kept.length);
      kept.push(t);
    }
  });
  const at = (t: number): number => (t < 0 ? t : remap.get(t)!);
  g.tensors = kept;
  g.inputs = g.inputs.map(at);
  g.outputs = g.outputs.map(at);
  for (const op of g.operators) {
    op.inputs = op.inputs.map(at);
    op.outputs = op.outputs.map(at);
    op.intermediates = op.intermediates.map(at);
  }
  for (const sig of signatures) {
    sig.inputs = sig.inputs.filter((m) => remap.has(m.tensorIndex));
    sig.outputs = sig.outputs.filter((m) => remap.has(m.tensorIndex));
    for (const m of [...sig.inputs, ...sig.outputs]) m.tensorIndex = remap.get(m.tensorIndex)!;
  }
}

function pruneBuffers(model: fb.ModelT): void {
  // Buffer 0 is the conventional empty buffer that run-time tensors point at: always kept.
  const used = new Set<number>([0]);
  for (const g of model.subgraphs) for (const t of g.tensors) used.add(t.buffer);
  for (const m of model.metadata) used.add(m.buffer);
  if (used.size >= model.buffers.length) return;
  const remap = new Map<number, number>();
  const kept: fb.BufferT[] = [];
  model.buffers.forEach((b, i) => {
    if (used.has(i)) {
      remap.set(i, kept.length);
      kept.push(b);
    }
  });
  model.buffers = kept;
  for (const g of model.subgraphs) for (const t of g.tensors) t.buffer = remap.get(t.buffer)!;
  for (const m of model.metadata) m.buffer = remap.get(m.buffer)!;
}

function pruneOperatorCodes(model: fb.ModelT): void {
  const used = new Set<number>();
  for (const g of model.subgraphs) for (const op of g.operators) used.add(op.opcodeIndex);
  if (used.size === model.operatorCodes.length) return;
  const remap = new Map<number, number>();
  const kept: fb.OperatorCodeT[] = [];
  model.operatorCodes.forEach((c, i) => {
    if (used.has(i)) {
      remap.set(i, kept.length);
      kept.push(c);
    }
  });
  model.operatorCodes = kept;
  for (const g of model.subgraphs) for (const op of g.operators) op.opcodeIndex = remap.get(op.opcodeIndex)!;
}
