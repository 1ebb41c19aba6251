import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Model, summarizeModel, type ModelSummary, type TensorSummary } from '../../tflite/index.js';
import type { Command } from '../command.js';
import { formatBytes, formatNumber, table } from '../format.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn inspect MODEL [--json]

Shows a .tflite model: inputs and outputs (shape, type, scale, zero point), operators
with counts, which run on the Edge TPU and which on the CPU, description, metadata and size.

Options:
  --json    print one JSON document instead (fields documented in README.md)

Example:
  edgetpu-learn inspect mobilenet_v1_1.0_224_quant_embedding_extractor_edgetpu.tflite`;

function tensorLine(t: TensorSummary): string[] {
  const q = t.scale === null ? 'not quantized' : t.scale.length === 1 ? `scale ${formatNumber(t.scale[0]!)}, zero point ${t.zeroPoint![0]}` : `per-channel along axis ${t.axis} (${t.scale.length} scales)`;
  return [`  #${t.index}`, t.name, `[${t.shape.join(', ')}]`, t.dtype, q];
}

export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file ?? 'model'}  (${formatBytes(s.bytes)}, schema v${s.schemaVersion}, ${s.subgraphs} subgraph${s.subgraphs === 1 ? '' : 's'})`);
  lines.push(`description: ${s.description || '(none)'}`);
  lines.push('', 'inputs:', table(s.inputs.map(tensorLine)));
  lines.push('', 'outputs:', table(s.outputs.map(tensorLine)));
  const counts = Object.entries(s.operators.counts).sort((a, b) => b[1] - a[1]);
  lines.push('', `operators (${s.operators.total}):`, table(counts.map(([op, n]) => [`  ${op}`, `x${n}`])));
  lines.push('');
  if (s.edgetpu.compiled) {
    const programBytes = s.edgetpu.operators.reduce((a, o) => a + o.customOptionsBytes, 0);
    lines.push(`Edge TPU: ${s.edgetpu.operators.length} edgetpu-custom-op (compiled program ${formatBytes(programBytes)}) runs on the Edge TPU`);
    const cpu = Object.entries(s.edgetpu.cpuOperators);
    lines.push(cpu.length === 0 ? 'CPU: nothing (the whole graph runs on the Edge TPU)' : `CPU: ${cpu.map(([op, n]) => `${op} x${n}`).join(', ')}`);
  } else {
    lines.push('Edge TPU: not compiled for the Edge TPU; every operator runs on the CPU');
  }
  lines.push(`metadata: ${s.metadata.length === 0 ? '(none)' : s.metadata.map((m) => `${m.name} (${formatBytes(m.bytes)})`).join(', ')}`);
  if (s.signatures.length > 0) lines.push(`signatures: ${s.signatures.map((g) => `${g.key}(${g.inputs.join(', ')}) -> ${g.outputs.join(', ')}`).join('; ')}`);
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show a model: inputs, outputs, operators, Edge TPU/CPU split, metadata',
  help: HELP,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError('inspect takes exactly one model file');
    const path = parsed.positionals[0]!;
    const model = await Model.load(path);
    const summary = summarizeModel(model, { file: path, bytes: (await stat(path)).size });
    io.stdout.write(parsed.values.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary) + '\n');
    return 0;
  },
};
