/**
 * Held-out accuracy of the learning features, and the measurements behind two defaults
 * (the imprinting scale of fromExtractor, and whether to center embeddings):
 *
 *  1. Coral's imprinting photos (cat / dog / hotdog): right-class score per scale.
 *  2. Fashion-MNIST, 28×28 gray replicated to RGB and resized to 224×224 (bilinear by
 *     default), embedded by mobilenet_v1_1.0_224_quant_embedding_extractor (our interpreter,
 *     worker pool, cached in benchmarks/.cache/):
 *     - imprinting with 1, 5, 10, 50 and 200 images per class, at the default scale;
 *     - backprop (SoftmaxRegression, Coral's example settings) with 500 and 5000 images;
 *     each with and without centering, over several seeds, tested on 1000 test images
 *     (100 a class); and the calibration of imprinting over the scales.
 *
 *   npx tsx benchmarks/accuracy/index.ts [--seeds 5] [--resize bilinear|nearest] [--pool 500]
 *     [--test 100] [--scales 5,10,...] [--shots 1,5,10,50,200] [--backprop 500,5000]
 *     [--workers N] [--json out.json] [--skip-photos]
 *
 * Data: CORAL_TEST_DATA (default ../shared/coral-test-data) and FASHION_MNIST (default
 * ../shared/datasets/fashion-mnist).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ResizeMethod } from '../../src/image/index.js';
import { DEFAULT_IMPRINTING_SCALE, EmbeddingExtractor } from '../../src/learn/index.js';
import { CORAL_EXAMPLE_SGD, evaluateBackprop, type BackpropResult } from './backprop-eval.js';
import { photoScaleStudy, TEST_PHOTOS, TRAIN_PHOTOS, type PhotoScores } from './coral-photos.js';
import { embedMissing, type ImageRef } from './embed.js';
import { EmbeddingCache } from './embedding-cache.js';
import { embeddingInputModel } from './embedding-input-model.js';
import { loadFashionMnist, NUM_CLASSES, rgbOf, stratifiedSample, type Split } from './fashion-mnist.js';
import { evaluateImprinting, meanEmbedding, type Centering, type EmbeddingSet, type ImprintingResult } from './imprinting-eval.js';
import { mean, std } from './metrics.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const coralData = resolve(process.env['CORAL_TEST_DATA'] ?? join(repo, '../shared/coral-test-data'));
const fashionDir = resolve(process.env['FASHION_MNIST'] ?? join(repo, '../shared/datasets/fashion-mnist'));
const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite';
/** Seeds of the test draw and of the training pool; per-run seeds are derived from --seeds. */
const TEST_SEED = 1;
const POOL_SEED = 2;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    resize: { type: 'string', default: 'bilinear' },
    pool: { type: 'string', default: '500' },
    test: { type: 'string', default: '100' },
    scales: { type: 'string', default: '5,10,15,20,25,30,40,50,60,75,100' },
    shots: { type: 'string', default: '1,5,10,50,200' },
    backprop: { type: 'string', default: '500,5000' },
    iterations: { type: 'string', default: String(CORAL_EXAMPLE_SGD.numIter) },
    lr: { type: 'string', default: String(CORAL_EXAMPLE_SGD.learningRate) },
    workers: { type: 'string' },
    json: { type: 'string' },
    'skip-photos': { type: 'boolean', default: false },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const resize = values.resize as ResizeMethod;
if (resize !== 'bilinear' && resize !== 'nearest') throw new Error('--resize must be bilinear or nearest');
const poolPerClass = Number(values.pool);
const testPerClass = Number(values.test);
const scales = values.scales.split(',').map(Number);
if (!scales.includes(DEFAULT_IMPRINTING_SCALE)) scales.push(DEFAULT_IMPRINTING_SCALE);
scales.sort((a, b) => a - b);
const list = (s: string): number[] => s.split(',').filter((x) => x.trim() !== '').map(Number);
const SHOTS = list(values.shots);
const BACKPROP_SIZES = list(values.backprop);
const sgd = { ...CORAL_EXAMPLE_SGD, numIter: Number(values.iterations), learningRate: Number(values.lr) };
const workers = values.workers ? Number(values.workers) : undefined;
const largestDraw = Math.max(0, ...SHOTS, ...BACKPROP_SIZES.map((n) => n / NUM_CLASSES));
if (largestDraw > poolPerClass) throw new Error(`--pool must be at least ${largestDraw}`);

const pct = (x: number): string => (100 * x).toFixed(1);
const meanStd = (xs: number[]): string => `${pct(mean(xs))} ± ${pct(std(xs))}`;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

const extractorPath = join(coralData, EXTRACTOR);
const extractor = await EmbeddingExtractor.create(extractorPath, { device: 'cpu' });
const eq = { scale: extractor.output.quantization!.scale[0]!, zeroPoint: extractor.output.quantization!.zeroPoint[0]! };
const head = embeddingInputModel(extractor.output);
const json: Record<string, unknown> = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  node: process.version,
  extractor: EXTRACTOR,
  resize,
  seeds,
  poolPerClass,
  testPerClass,
  defaultScale: DEFAULT_IMPRINTING_SCALE,
  sgd,
};

// 1. Coral's photos.
if (!values['skip-photos']) {
  const photos: PhotoScores[] = [];
  for (const centered of [false, true]) photos.push(...(await photoScaleStudy(head, eq, extractor, join(coralData, 'imprinting'), scales, centered)));
  json['photos'] = photos;
  const names = [...TEST_PHOTOS, ...TRAIN_PHOTOS].map(([n]) => n);
  for (const centered of [false, true]) {
    console.log(`\n### Coral's imprinting photos, ${centered ? 'centered (mean of the 4 training embeddings)' : 'not centered'}: score of the right class\n`);
    console.log(`| scale | ${names.join(' | ')} | right (of ${names.length}) |`);
    console.log(`|---|${names.map(() => '---|').join('')}---|`);
    for (const p of photos.filter((x) => x.centered === centered)) {
      console.log(`| ${p.scale}${p.scale === DEFAULT_IMPRINTING_SCALE ? ' (default)' : ''} | ${names.map((n) => p.scores[n]!.toFixed(3)).join(' | ')} | ${p.correct} |`);
    }
  }
}

// 2. Fashion-MNIST embeddings.
const fashion = await loadFashionMnist(fashionDir);
const testIndices = stratifiedSample(fashion.test.labels, testPerClass, TEST_SEED);
const poolIndices = stratifiedSample(fashion.train.labels, poolPerClass, POOL_SEED);
const modelHash = createHash('sha256').update(readFileSync(extractorPath)).digest('hex').slice(0, 12);
const cache = EmbeddingCache.open(join(repo, 'benchmarks/.cache/accuracy', `fashion-mnist-${resize}-${modelHash}.emb`), extractor.embeddingDim);
const refs: ImageRef[] = [...testIndices.map((index) => ({ split: 'test' as Split, index })), ...poolIndices.map((index) => ({ split: 'train' as Split, index }))];
log(`${cache.size} embeddings cached in ${cache.path}; ${refs.length} needed`);
const embedStarted = performance.now();
await embedMissing(extractor, cache, refs, (r) => rgbOf(fashion[r.split], r.index), resize, workers);
json['embedSeconds'] = (performance.now() - embedStarted) / 1000;
await extractor.close();

const setOf = (split: Split, indices: readonly number[]): EmbeddingSet => ({
  embeddings: indices.map((i) => cache.get(split, i)!),
  labels: indices.map((i) => fashion[split].labels[i]!),
});
const test = setOf('test', testIndices);
/** The first `perClass` images of each class of the pool shuffled by `seed`: one seed's draws are nested (the 5 are among the 10). */
const trainDraw = (perClass: number, seed: number): EmbeddingSet => setOf('train', stratifiedSample(fashion.train.labels, perClass, 1000 * seed, poolIndices));

// 3. Imprinting: every shot count × seed × centering, at every scale.
const CENTERINGS: readonly Centering[] = ['none', 'train', 'pool'];
const poolMean = meanEmbedding(setOf('train', poolIndices).embeddings, eq);
const imprinting: Array<ImprintingResult & { shots: number; seed: number }> = [];
for (const shots of SHOTS) {
  for (const seed of seeds) {
    const train = trainDraw(shots, seed);
    for (const centering of CENTERINGS) {
      for (const r of await evaluateImprinting(head, eq, train, test, NUM_CLASSES, scales, centering, poolMean)) imprinting.push({ ...r, shots, seed });
    }
  }
  log(`imprinting, ${shots} a class: done`);
}
json['imprinting'] = imprinting;

// 4. Backprop.
const backprop: Array<BackpropResult & { images: number; seed: number }> = [];
for (const images of BACKPROP_SIZES) {
  for (const seed of seeds) {
    const train = trainDraw(images / NUM_CLASSES, seed);
    for (const centered of [false, true]) backprop.push({ ...(await evaluateBackprop(head, eq, train, test, NUM_CLASSES, centered, seed, sgd)), images, seed });
  }
  log(`backprop, ${images} images: done`);
}
json['backprop'] = backprop;

// Tables.
const at = (shots: number, centering: Centering, scale = DEFAULT_IMPRINTING_SCALE): Array<ImprintingResult & { seed: number }> =>
  imprinting.filter((r) => r.shots === shots && r.centering === centering && r.scale === scale).sort((a, b) => a.seed - b.seed);
const CENTERING_NAMES: Record<Centering, string> = { none: 'not centered', train: 'centered on the mean of the training embeddings', pool: `centered on the mean of the ${poolIndices.length} unlabeled pool embeddings` };
const wins = (a: number[], b: number[]): string => {
  let w = 0;
  let t = 0;
  let l = 0;
  a.forEach((x, i) => (x > b[i]! ? w++ : x === b[i]! ? t++ : l++));
  return `${w}/${t}/${l}`;
};

console.log(`\n### Fashion-MNIST (${test.labels.length} test images, ${resize} resize to 224×224), mean ± std over ${seeds.length} seeds, %\n`);
console.log(`Imprinting (ImprintingEngine.fromExtractor, scale ${DEFAULT_IMPRINTING_SCALE}); top-k from the model's uint8 softmax output; "float" = float64 class rows and cosines over the same L2Norm outputs. Centered = on the training mean; pool = on the mean of the ${poolIndices.length} pool images, labels unused.\n`);
console.log('| images / class | top-1 | top-5 | top-1 centered | top-5 centered | Δ top-1 (centered − not) | centered better / same / worse | top-1 pool-centered | Δ top-1 (pool − not) | pool better / same / worse | float top-1 | float top-1 centered |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const shots of SHOTS) {
  const plain = at(shots, 'none');
  const cent = at(shots, 'train');
  const pool = at(shots, 'pool');
  const top1 = plain.map((r) => r.top1);
  const top1c = cent.map((r) => r.top1);
  const top1p = pool.map((r) => r.top1);
  console.log(`| ${shots} | ${meanStd(top1)} | ${meanStd(plain.map((r) => r.top5))} | ${meanStd(top1c)} | ${meanStd(cent.map((r) => r.top5))} | ${meanStd(top1c.map((x, i) => x - top1[i]!))} | ${wins(top1c, top1)} | ${meanStd(top1p)} | ${meanStd(top1p.map((x, i) => x - top1[i]!))} | ${wins(top1p, top1)} | ${meanStd(plain.map((r) => r.floatTop1))} | ${meanStd(cent.map((r) => r.floatTop1))} |`);
}

console.log(`\nTop-5 from the logits instead of the uint8 softmax output, scale ${DEFAULT_IMPRINTING_SCALE} (shots ${SHOTS.join('/')}): ${CENTERINGS.map((c) => `${c}: ${SHOTS.map((s) => pct(mean(at(s, c).map((r) => r.logitTop5)))).join('/')}`).join('; ')}`);

console.log(`\nBackprop (SoftmaxRegression, ${sgd.numIter} iterations, lr ${sgd.learningRate}, batch ${sgd.batchSize}, weight scale ${sgd.weightScale}); float model; centered = minus the mean training embedding.\n`);
console.log('| training images | top-1 | top-5 | top-1 centered | top-5 centered | Δ top-1 (centered − not) | centered better / same / worse | exported .tflite top-1 (not centered) | train accuracy |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const images of BACKPROP_SIZES) {
  const plain = backprop.filter((r) => r.images === images && !r.centered).sort((a, b) => a.seed - b.seed);
  const cent = backprop.filter((r) => r.images === images && r.centered).sort((a, b) => a.seed - b.seed);
  const top1 = plain.map((r) => r.top1);
  const top1c = cent.map((r) => r.top1);
  console.log(`| ${images} | ${meanStd(top1)} | ${meanStd(plain.map((r) => r.top5))} | ${meanStd(top1c)} | ${meanStd(cent.map((r) => r.top5))} | ${meanStd(top1c.map((x, i) => x - top1[i]!))} | ${wins(top1c, top1)} | ${meanStd(plain.map((r) => r.exportedTop1!))} | ${meanStd(plain.map((r) => r.trainAccuracy))} |`);
}

for (const centering of CENTERINGS) {
  console.log(`\nImprinting calibration by scale, ${CENTERING_NAMES[centering]}: ECE % / NLL / mean confidence % (top-1 %), mean over seeds\n`);
  console.log(`| scale | ${SHOTS.map((s) => `${s} / class`).join(' | ')} |`);
  console.log(`|---|${SHOTS.map(() => '---|').join('')}`);
  for (const scale of scales) {
    const cells = SHOTS.map((shots) => {
      const rs = at(shots, centering, scale);
      return `${pct(mean(rs.map((r) => r.calibration.ece)))} / ${mean(rs.map((r) => r.calibration.nll)).toFixed(3)} / ${pct(mean(rs.map((r) => r.calibration.confidence)))} (${pct(mean(rs.map((r) => r.top1)))})`;
    });
    console.log(`| ${scale}${scale === DEFAULT_IMPRINTING_SCALE ? ' (default)' : ''} | ${cells.join(' | ')} |`);
  }
  const best = SHOTS.map((shots) => {
    const byScale = scales.map((scale) => ({ scale, nll: mean(at(shots, centering, scale).map((r) => r.calibration.nll)), ece: mean(at(shots, centering, scale).map((r) => r.calibration.ece)) }));
    const nll = byScale.reduce((a, b) => (b.nll < a.nll ? b : a));
    const ece = byScale.reduce((a, b) => (b.ece < a.ece ? b : a));
    return `${nll.scale} / ${ece.scale}`;
  });
  console.log(`| best scale (NLL / ECE) | ${best.join(' | ')} |`);
  console.log(`\nTop-5 from the model output by scale, ${CENTERING_NAMES[centering]} (mean over seeds, %): ${scales.map((scale) => `${scale}: ${SHOTS.map((s) => pct(mean(at(s, centering, scale).map((r) => r.top5)))).join('/')}`).join('; ')} (shots ${SHOTS.join('/')})`);
}

if (values.json) writeFileSync(values.json, JSON.stringify(json, null, 1));
