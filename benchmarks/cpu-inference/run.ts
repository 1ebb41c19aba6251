/**
 * CPU inference latency: our interpreter against real TFLite 2.9 (native, tfjs-tflite-node) and
 * the WebAssembly TFLite with XNNPACK (@tensorflow/tfjs-tflite, SIMD build), one thread each,
 * every measurement in its own process, all in the same run; then peak memory and batch
 * throughput. Prints Markdown tables.
 *
 *   npx tsx benchmarks/cpu-inference/run.ts [--models a.tflite,b.tflite] [--rounds 3] [--runs 30]
 *     [--warmup 5] [--typescript] [--images 200] [--no-batch] [--json results.json]
 *
 * --typescript adds our interpreter with the WebAssembly kernels off (EDGETPU_LEARN_WASM=0).
 * Models come from CORAL_TEST_DATA (default ../shared/coral-test-data); the two TFLite runners
 * are ../shared/tools/tflite-ref.js and tflite-wasm-ref.js, given this repository's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const data = resolve(process.env['CORAL_TEST_DATA'] ?? join(repo, '../shared/coral-test-data'));
const tools = resolve(data, '../tools');

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite,mobilenet_v1_0.25_128_quant.tflite,mobilenet_v2_1.0_224_quant.tflite,movenet_single_pose_lightning_ptq.tflite' },
    rounds: { type: 'string', default: '3' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    typescript: { type: 'boolean', default: false },
    images: { type: 'string', default: '200' },
    'no-batch': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const models = values.models.split(',');
const rounds = Number(values.rounds);
const runs = values.runs;
const warmup = values.warmup;

type Runtime = 'ours' | 'ours-typescript' | 'native' | 'xnnpack';
interface Measurement {
  median: number;
  min: number;
  extra: Record<string, unknown>;
}

/** Runs a child process and parses the JSON line it prints last. */
function child(args: string[], env: Record<string, string> = {}): Record<string, unknown> {
  const out = execFileSync(process.execPath, args, { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no result from ${args.join(' ')}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Builds dist/ (what memory.mjs measures) when it is missing or older than a source file. */
function ensureBuilt(): void {
  const built = join(repo, 'dist/interpreter/index.js');
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(repo, 'src'))) return;
  process.stderr.write('dist/ is missing or older than src/: npm run build\n');
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 2, 2] });
}

function measure(runtime: Runtime, model: string): Measurement {
  const path = join(data, model);
  if (runtime === 'ours' || runtime === 'ours-typescript') {
    const typescript = runtime === 'ours-typescript';
    const r = child(['--import', 'tsx', join(here, 'ours.ts'), '--model', path, '--runs', typescript ? '3' : runs, '--warmup', typescript ? '1' : warmup], typescript ? { EDGETPU_LEARN_WASM: '0' } : {});
    const latency = r['latency'] as { median: number; min: number };
    return { median: latency.median, min: latency.min, extra: r };
  }
  const script = join(tools, runtime === 'native' ? 'tflite-ref.js' : 'tflite-wasm-ref.js');
  const env: Record<string, string> = runtime === 'native' ? { TFLITE_NODE_DIR: repo } : { TFLITE_WASM_DIR: repo };
  const r = child([script, '--model', path, '--pattern', '--threads', '1', '--bench', runs, '--warmup', warmup], env);
  if (r['error']) throw new Error(String(r['error']));
  if (runtime === 'xnnpack' && (r['build'] !== 'simd' || r['xnnpack'] !== true)) throw new Error(`expected the SIMD build with XNNPACK, got build ${String(r['build'])}, xnnpack ${String(r['xnnpack'])}`);
  const latency = r['latency_ms'] as { median: number; min: number };
  return { median: latency.median, min: latency.min, extra: {} };
}

const runtimes: Runtime[] = ['ours', ...(values.typescript ? (['ours-typescript'] as const) : []), 'native', 'xnnpack'];
const results = new Map<string, Map<Runtime, Measurement[] | string>>();
for (let round = 0; round < rounds; round++) {
  for (const model of models) {
    const byRuntime = results.get(model) ?? new Map<Runtime, Measurement[] | string>();
    results.set(model, byRuntime);
    for (const runtime of runtimes) {
      if (runtime === 'ours-typescript' && round > 0) continue; // slow, and only the before/after picture
      const prior = byRuntime.get(runtime);
      if (typeof prior === 'string') continue;
      try {
        const m = measure(runtime, model);
        byRuntime.set(runtime, [...(prior ?? []), m]);
        process.stderr.write(`round ${round + 1}/${rounds} ${model} ${runtime}: ${m.median.toFixed(2)} ms\n`);
      } catch (e) {
        const message = (e as Error).message.split('\n').find((l) => /Error|error/.test(l)) ?? (e as Error).message.split('\n')[0]!;
        byRuntime.set(runtime, message.slice(0, 160));
        process.stderr.write(`${model} ${runtime}: failed: ${message}\n`);
      }
    }
  }
}

type Statistic = 'median' | 'min';
/** Median over processes of each process's median, or the fastest run of all processes. */
const value = (m: Measurement[] | string | undefined, stat: Statistic): number | undefined =>
  m === undefined || typeof m === 'string' ? undefined : stat === 'median' ? median(m.map((x) => x.median)) : Math.min(...m.map((x) => x.min));
const cell = (m: Measurement[] | string | undefined, stat: Statistic): string => (m === undefined ? '' : typeof m === 'string' ? 'n/a' : value(m, stat)!.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2));

function table(stat: Statistic, title: string): void {
  console.log(`\n${title}\n`);
  console.log(`| model | ours (wasm SIMD) |${values.typescript ? ' ours (TypeScript kernels) |' : ''} TFLite 2.9 native | TFLite wasm + XNNPACK | ours / native | ours / XNNPACK | bar (< native and ≤ 2× XNNPACK) |`);
  console.log(`|---|---|${values.typescript ? '---|' : ''}---|---|---|---|---|`);
  for (const [model, r] of results) {
    const ours = value(r.get('ours'), stat);
    const native = value(r.get('native'), stat);
    const xnn = value(r.get('xnnpack'), stat);
    const bar = ours === undefined || native === undefined || xnn === undefined ? 'n/a' : ours < native && ours <= 2 * xnn ? 'met' : 'NOT met';
    console.log(`| ${model.replace(/\.tflite$/, '')} | ${cell(r.get('ours'), stat)} |${values.typescript ? ` ${cell(r.get('ours-typescript'), stat)} |` : ''} ${cell(r.get('native'), stat)} | ${cell(r.get('xnnpack'), stat)} | ${ratio(ours, native)} | ${ratio(ours, xnn)} | ${bar} |`);
  }
}
table('median', `Latency, one thread, median ms (median over ${rounds} processes of the median of ${runs} runs after ${warmup} warm-ups; pattern input)`);
table('min', 'Fastest single run, ms (all processes): what each runtime does when no other process competes for the CPU');
const failures = [...results].flatMap(([model, r]) => [...r].filter(([, m]) => typeof m === 'string').map(([rt, m]) => `- ${model} / ${rt}: ${String(m)}`));
if (failures.length) console.log(`\nNot measured:\n${failures.join('\n')}`);

// Peak memory on mobilenet_v2: the compiled library in plain Node (memory.mjs), several
// processes (peak RSS varies with garbage collection).
const v2 = models.find((m) => m.startsWith('mobilenet_v2_1.0_224_quant'));
if (v2) {
  ensureBuilt();
  type Memory = { fileBytes: number; arenaBytes: number; wasmMemoryBytes: number; growthBytes: number };
  const processes = Math.max(rounds, 5);
  const measureMemory = (extra: string[]): Memory[] =>
    Array.from({ length: processes }, () => child(['--expose-gc', join(here, 'memory.mjs'), '--model', join(data, v2), ...extra]) as unknown as Memory);
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  const xs = measureMemory([]);
  const growths = xs.map((x) => x.growthBytes);
  const x = xs[0]!;
  const budget = 3 * x.fileBytes + x.arenaBytes;
  const verdict = (gs: number[]): string => (Math.max(...gs) <= budget ? 'within' : median(gs) <= budget ? 'median within, worst OVER' : 'OVER');
  console.log(`\nPeak resident memory, ${v2.replace(/\.tflite$/, '')} (ours, Interpreter.create(path) then 35 runs): max RSS minus the RSS before the model was read: ${growths.map(mb).join(', ')} MiB (median ${mb(median(growths))}) over ${growths.length} processes; ` +
    `budget 3 × file (${mb(x.fileBytes)} MiB) + arena (${mb(x.arenaBytes)} MiB) = ${mb(budget)} MiB: ${verdict(growths)}. ` +
    `WebAssembly memory ${mb(x.wasmMemoryBytes)} MiB (the model file, whose filters are packed in place, arena, scratch, tables).`);
  const whole = measureMemory(['--whole-library']).map((m) => m.growthBytes);
  console.log(`The same with the whole package imported first (as \`import ... from 'edgetpu-learn'\` does): ${whole.map(mb).join(', ')} MiB (median ${mb(median(whole))}): ${verdict(whole)}.`);
}

let batch: Record<string, unknown> | undefined;
if (!values['no-batch']) {
  const model = join(data, 'mobilenet_v2_1.0_224_quant.tflite');
  batch = child(['--import', 'tsx', join(here, 'batch.ts'), '--model', model, '--images', values.images]);
  const b = batch as { images: number; workers: number; singleImagesPerSecond: number; poolImagesPerSecond: number };
  console.log(`\nBatch throughput, mobilenet_v2_1.0_224_quant, ${b.images} inputs: one interpreter ${b.singleImagesPerSecond.toFixed(1)} images/s; InterpreterPool with ${b.workers} workers ${b.poolImagesPerSecond.toFixed(1)} images/s (×${(b.poolImagesPerSecond / b.singleImagesPerSecond).toFixed(2)})`);
}

if (values.json) {
  const plain = Object.fromEntries([...results].map(([m, r]) => [m, Object.fromEntries([...r].map(([rt, v]) => [rt, v]))]));
  writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rounds, runs, warmup, results: plain, batch }, null, 1));
}
