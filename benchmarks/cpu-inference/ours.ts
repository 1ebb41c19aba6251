/**
 * One process, one model, our interpreter: prints one JSON line with its latency (median of
 * `--runs` timed Interpreter.run calls after `--warmup` untimed ones, pattern input), its load
 * time and how many operators ran on the WebAssembly kernels. Memory is memory.mjs's job: under
 * tsx, its loader thread moves peak RSS by several MiB between identical runs.
 * EDGETPU_LEARN_WASM=0 in the environment measures the TypeScript kernels instead.
 *
 *   node --import tsx benchmarks/cpu-inference/ours.ts --model M.tflite [--runs 30] [--warmup 5]
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Interpreter } from '../../src/interpreter/index.js';
import { wasmKernels, wasmKernelsStatus } from '../../src/interpreter/wasm/module.js';
import { latencyStats, patternBytes } from './stats.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' } } });
if (!values.model) throw new Error('--model is required');
const runs = Number(values.runs);
const warmup = Number(values.warmup);

wasmKernels();
const loadStart = performance.now();
const interpreter = await Interpreter.create(values.model);
const loadMs = performance.now() - loadStart;
const inputs = interpreter.inputs.map((t) => patternBytes(t.shape.reduce((a, d) => a * d, 1) * (t.dtype === 'float32' || t.dtype === 'int32' ? 4 : 1)));
for (let i = 0; i < warmup; i++) await interpreter.run(inputs);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  await interpreter.run(inputs);
  times.push(performance.now() - start);
}
const status = wasmKernelsStatus();
console.log(JSON.stringify({
  runtime: status.enabled && status.available ? 'ours' : 'ours-typescript',
  model: values.model,
  fileBytes: statSync(values.model).size,
  loadMs,
  latency: latencyStats(times),
  wasmOperators: status.preparedKernels,
  arenaBytes: interpreter.arenaBytes,
}));
await interpreter.close();
