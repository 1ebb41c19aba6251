/**
 * Imprinting speed, Coral's protocol (pycoral benchmarks/imprinting_benchmarks.py): 10 classes
 * × 20 random 224×224 images; extract + train each, then serialize once. Every runner works in
 * its own process, rounds interleaved, all in the same run:
 *   ours        — our interpreter, embed() one image at a time (Coral's way)
 *   ours-batch  — our interpreter, embedBatch() on the worker pool (one worker per core)
 *   tflite      — real TFLite 2.9 native (tfjs-tflite-node) extracting, one thread, our training
 *   tflite-N    — the same with N threads (N = cores), the fair peer of ours-batch
 * and compares the totals with Coral's published x86_64 figures (no Edge TPU here).
 *
 *   npx tsx benchmarks/imprinting/index.ts [--rounds 3] [--model EXTRACTOR.tflite] [--json out.json]
 *
 * The model comes from CORAL_TEST_DATA (default ../shared/coral-test-data).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CORAL_X86_CPU_LEGACY_MS, CORAL_X86_EDGETPU_MS, DEFAULT_EXTRACTOR, type ProtocolResult } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const data = resolve(process.env['CORAL_TEST_DATA'] ?? join(repo, '../shared/coral-test-data'));

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, model: { type: 'string', default: DEFAULT_EXTRACTOR }, json: { type: 'string' } } });
const rounds = Number(values.rounds);
const model = isAbsolute(values.model) ? values.model : join(data, values.model);
const cores = availableParallelism();

interface Runner {
  name: string;
  script: string;
  args: string[];
}
const runners: Runner[] = [
  { name: 'ours', script: 'ours.ts', args: [] },
  { name: 'ours-batch', script: 'ours.ts', args: ['--batch'] },
  { name: 'tflite', script: 'tflite-peer.ts', args: ['--threads', '1'] },
  ...(cores > 1 ? [{ name: `tflite-${cores}`, script: 'tflite-peer.ts', args: ['--threads', String(cores)] }] : []),
];

function runOnce(r: Runner): ProtocolResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, r.script), '--model', model, ...r.args], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no result from ${r.script}`);
  return JSON.parse(line) as ProtocolResult;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

const loadBefore = loadavg()[0]!;
const results = new Map<string, ProtocolResult[]>(runners.map((r) => [r.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const r of runners) {
    const result = runOnce(r);
    results.get(r.name)!.push(result);
    process.stderr.write(`round ${round + 1}/${rounds} ${r.name}: ${result.totalMs.toFixed(0)} ms\n`);
  }
}
const loadAfter = loadavg()[0]!;

/** Per runner: the round with the median total, and medians of each part over the rounds. */
interface Summary {
  extractPerImage: number;
  extractFirst: number;
  trainPerImage: number;
  serialize: number;
  total: number;
  detail: string;
  batched: boolean;
}
const summaries = new Map<string, Summary>();
for (const [name, rs] of results) {
  summaries.set(name, {
    extractPerImage: median(rs.map((r) => sum(r.extractMs) / r.images)),
    extractFirst: median(rs.map((r) => r.extractMs[0]!)),
    trainPerImage: median(rs.map((r) => sum(r.trainMs) / r.images)),
    serialize: median(rs.map((r) => r.serializeMs)),
    total: median(rs.map((r) => r.totalMs)),
    detail: rs[0]!.detail,
    batched: rs[0]!.batched,
  });
}

console.log(`\nImprinting, Coral's protocol: 10 classes × 20 random 224×224 images, extract + train each, then serialize (${values.model.replace(/^.*\//, '')}).`);
console.log(`Median of ${rounds} rounds, each runner in its own process. ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.version}; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.\n`);
console.log('| runner | extraction | extraction ms / image (first image) | training ms / image | serialize ms | total ms (200 images) | total ÷ Coral x86 Edge TPU (810 ms) | total ÷ Coral x86 CPU, legacy (9210 ms) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, s] of summaries) {
  console.log(`| ${name} | ${s.detail} | ${s.extractPerImage.toFixed(2)} (${s.batched ? '–' : s.extractFirst.toFixed(1)}) | ${s.trainPerImage.toFixed(4)} | ${s.serialize.toFixed(1)} | ${s.total.toFixed(0)} | ${(s.total / CORAL_X86_EDGETPU_MS).toFixed(2)}× | ${(s.total / CORAL_X86_CPU_LEGACY_MS).toFixed(2)}× |`);
}
console.log(`| Coral, pycoral reference CSV | Edge TPU (USB), x86_64 | – | – | – | ${CORAL_X86_EDGETPU_MS} | 1.00× | – |`);
console.log(`| Coral, legacy edgetpu API CSV | CPU model, x86_64 | – | – | – | ${CORAL_X86_CPU_LEGACY_MS} | – | 1.00× |`);

const ours = summaries.get('ours')!;
const peer = summaries.get('tflite')!;
console.log(`\nWhere the time goes (ours, one image at a time): extraction ${((100 * ours.extractPerImage * 200) / ours.total).toFixed(1)} %, training ${((100 * ours.trainPerImage * 200) / ours.total).toFixed(2)} %, serialization ${((100 * ours.serialize) / ours.total).toFixed(2)} %.`);
console.log(`Extraction, ours / TFLite 2.9 (one thread each): ${(ours.extractPerImage / peer.extractPerImage).toFixed(2)}.`);
const hashes = new Set([...results.values()].flat().map((r) => r.modelSha256));
console.log(hashes.size === 1 ? 'Every runner serialized the same model bytes (our interpreter\'s embeddings equal TFLite\'s).' : `The serialized models differ between runners (${hashes.size} distinct): the embeddings are not identical.`);

if (values.json) {
  writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores, node: process.version, loadBefore, loadAfter, rounds, model: values.model, summaries: Object.fromEntries(summaries), results: Object.fromEntries(results) }, null, 1));
}
