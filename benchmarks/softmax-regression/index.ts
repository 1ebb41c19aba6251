/**
 * Softmax-regression training speed, Coral's grid (benchmarks/softmax_regression_benchmarks.py):
 * 4 and 16 classes × 256 and 1024 features, 1024 training rows, 500 iterations of batch 100,
 * lr 0.01. Each implementation runs in its own process on the same data:
 *   ours  — SoftmaxRegression (src/learn)
 *   naive — the same algorithm transcribed on ndarrays, as a first port would be
 *   tfjs  — TensorFlow.js tensor ops on its CPU backend (optional: set TFJS_DIR)
 * Run: npx tsx benchmarks/softmax-regression/index.ts [repeats]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CASES, NUM_ITER } from './data.js';

interface Result {
  impl: string;
  classes: number;
  dim: number;
  seconds?: number;
  msPerIter?: number;
  trainAccuracy?: number;
  skipped?: string;
}

const repeats = process.argv[2] ?? '3';
const runner = fileURLToPath(new URL('./run-one.ts', import.meta.url));
const IMPLS = ['ours', 'naive', 'tfjs'];

function run(impl: string, classes: number, dim: number): Result {
  const out = execFileSync(process.execPath, ['--import', 'tsx', runner, impl, String(classes), String(dim), repeats], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Result;
}

const fmt = (r: Result | undefined): string => (r?.msPerIter === undefined ? 'n/a' : r.msPerIter.toFixed(3));
const ratio = (r: Result | undefined, ours: Result): string => (r?.msPerIter === undefined ? 'n/a' : `${(r.msPerIter / ours.msPerIter!).toFixed(1)}×`);

console.log(`softmax regression, ${NUM_ITER} iterations, batch 100, 1024 rows; ms per iteration (median of ${repeats}); ratio = peer / ours`);
console.log(['case C:D', 'ours', 'naive', 'tfjs-cpu', 'naive/ours', 'tfjs/ours', 'ours s/500 it', 'train acc'].join('\t'));
for (const { classes, dim } of CASES) {
  const results = Object.fromEntries(IMPLS.map((impl) => [impl, run(impl, classes, dim)])) as Record<string, Result>;
  const ours = results.ours!;
  console.log([`${classes}:${dim}`, fmt(ours), fmt(results.naive), fmt(results.tfjs), ratio(results.naive, ours), ratio(results.tfjs, ours), ours.seconds!.toFixed(3), ours.trainAccuracy!.toFixed(3)].join('\t'));
  if (results.tfjs?.skipped) console.log(`  (tfjs: ${results.tfjs.skipped})`);
}
