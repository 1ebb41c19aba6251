import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageTensor } from '../../src/cli/image-batches.js';
import { Model } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_TEST_DATA, requireCoralData } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { fashionMnistFolder, jsonLines, resultEvent, tempFolder } from './fixtures.js';

const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor';

interface TrainEvent {
  event: 'train';
  iteration: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy?: number;
}

interface BackpropResult {
  classes: { id: number; label: string; trainImages: number }[];
  seed: number;
  iterations: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number;
  evaluation: { images: number; topK: number[]; confusion: number[][] };
}

function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('edgetpu-learn: ')), stderr).to.have.length(1);
  expect(lines.at(-1), stderr).to.match(/^edgetpu-learn: /);
  expect(stderr).not.to.match(/^\s+at /m);
}

describe('edgetpu-learn backprop', function () {
  this.timeout(240_000);
  requireCoralData();
  const tmp = tempFolder('backprop');
  after(() => tmp.remove());

  it('trains on Fashion-MNIST photos: the loss falls, the exported model scores the test images, and real TFLite agrees with classify', async function () {
    // Trousers, sandals and bags: 30 of each.
    const data = await fashionMnistFolder(this, join(tmp.path, 'fashion'), [1, 5, 8], 30);
    const output = join(tmp.path, 'out', 'fashion.tflite');
    const r = await runCli('backprop', '--extractor', EXTRACTOR, '--data', data, '--output', output, '--validation-ratio', '0.2', '--test-ratio', '0.2', '--seed', '7', '--iterations', '200', '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const events = jsonLines(r.stdout);
    const train = events.filter((e) => e.event === 'train') as unknown as TrainEvent[];
    expect(train.length).to.equal(100); // every 2nd of 200 iterations
    expect(train[0]!.iteration).to.equal(0);
    expect(train.at(-1)!.loss).to.be.below(train[0]!.loss / 4);
    expect(train.every((t) => t.valAccuracy !== undefined)).to.equal(true);

    const result = resultEvent<BackpropResult>(r.stdout);
    expect(result.classes).to.deep.equal([
      { id: 0, label: 'bag', trainImages: 18 },
      { id: 1, label: 'sandal', trainImages: 18 },
      { id: 2, label: 'trouser', trainImages: 18 },
    ]);
    expect(result).to.include({ seed: 7, iterations: 200 });
    expect(result.trainAccuracy).to.be.at.least(0.95);
    expect(result.valAccuracy).to.be.at.least(0.8);
    expect(result.evaluation.images).to.equal(18);
    expect(result.testAccuracy).to.equal(result.evaluation.topK[0]).and.to.be.at.least(0.8);
    expect(result.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).to.equal(18);
    expect(readFileSync(join(tmp.path, 'out', 'fashion.txt'), 'utf8')).to.equal('0 bag\n1 sandal\n2 trouser\n');

    // classify --json and real TFLite 2.9 give the same best class and score on the exported file.
    const photos = ['bag', 'sandal', 'trouser'].map((c) => join(data, c, readdirSync(join(data, c)).sort()[0]!));
    const c = await runCli('classify', '--model', output, '--json', ...photos);
    expect(c.code, c.stderr).to.equal(0);
    const lines = jsonLines(c.stdout) as unknown as { image: string; results: { id: number; label: string; score: number }[] }[];
    const bytes = new Uint8Array(readFileSync(output));
    const model = Model.fromBuffer(bytes);
    const q = model.subgraph(0).outputTensors[0]!.quantization!;
    for (const [i, path] of photos.entries()) {
      const tensor = await imageTensor(path, model.subgraph(0).inputTensors[0]!, 'nearest');
      const scores = Array.from(referenceRun(bytes, [tensor]).outputs[0]!.bytes, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
      const top = scores.indexOf(Math.max(...scores));
      expect(lines[i]!.image).to.equal(path);
      expect({ id: lines[i]!.results[0]!.id, score: lines[i]!.results[0]!.score }).to.deep.equal({ id: top, score: scores[top] });
    }
  });

  it('shows training progress and the result as text; the same --seed gives the same model', async function () {
    const data = await fashionMnistFolder(this, join(tmp.path, 'small'), [0, 7], 6);
    const run = async (seed: string, name: string): Promise<{ stdout: string; stderr: string; bytes: Buffer }> => {
      const output = join(tmp.path, 'seeded', name);
      const r = await runCli('backprop', '--extractor', EXTRACTOR, '--data', data, '--output', output, '--iterations', '30', '--batch-size', '8', '--seed', seed);
      expect(r.code, r.stderr).to.equal(0);
      return { ...r, bytes: readFileSync(output) };
    };
    const a = await run('3', 'a.tflite');
    expect(a.stdout).to.match(/^trained 2 classes on 12 images \(0 sneaker: 6, 1 t-shirt: 6\)$/m);
    expect(a.stdout).to.match(/^after 30 iterations: loss \d+\.\d{4}, training accuracy \d+\.\d\d%$/m);
    expect(a.stdout).to.include(`wrote ${join(tmp.path, 'seeded', 'a.tflite')}`);
    expect(a.stderr).to.match(/^training: 30\/30 iterations \(100%\)  loss /m);
    expect(a.stderr).to.match(/^embedding: 12\/12 images \(100%\)$/m);
    const b = await run('3', 'b.tflite');
    expect(b.bytes.equals(a.bytes), 'same seed, same model').to.equal(true);
    const c = await run('4', 'c.tflite');
    expect(c.bytes.equals(a.bytes), 'another seed, another model').to.equal(false);
  });

  it('bad usage exits 2 with a one-line message', async function () {
    const base = ['--extractor', EXTRACTOR, '--data', 'x', '--output', 'o.tflite'];
    const cases = [
      ['backprop'],
      ['backprop', '--data', 'x', '--output', 'o.tflite'],
      ['backprop', '--extractor', EXTRACTOR, '--output', 'o.tflite'],
      ['backprop', '--extractor', EXTRACTOR, '--data', 'x'],
      ['backprop', ...base, '--iterations', '0'],
      ['backprop', ...base, '--batch-size', '1.5'],
      ['backprop', ...base, '--learning-rate', 'fast'],
      ['backprop', ...base, '--validation-ratio', '0.5', '--test-ratio', '0.5'],
      ['backprop', ...base, '--seed', '-3'],
      ['backprop', ...base, 'stray'],
    ];
    for (const argv of cases) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expectOneLineError(r.stderr);
    }
  });

  it('user errors exit 1 with a one-line message', async function () {
    const data = await fashionMnistFolder(this, join(tmp.path, 'errors'), [1, 8], 2);
    const one = await fashionMnistFolder(this, join(tmp.path, 'one-class'), [1], 3);
    const out = join(tmp.path, 'errors-out', 'm.tflite');
    const cases: [string[], RegExp][] = [
      [['--extractor', EXTRACTOR, '--data', one], /backprop needs at least 2 classes; only 'trouser' was found/],
      [['--extractor', join(CORAL_TEST_DATA, 'movenet_single_pose_lightning_ptq.tflite'), '--data', data], /outputs a \[1, 1, 17, 3\] tensor, not an embedding/],
      [['--extractor', 'mobilenet_v1_0.25_128_quant_edgetpu', '--data', data], /compiled/],
      [['--extractor', EXTRACTOR, '--data', data, '--test-ratio', '0.4', '--validation-ratio', '0.4'], /class 'bag' has 1 image: it needs at least 2/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli('backprop', ...argv, '--output', out, '--seed', '1');
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).to.equal(1);
      expectOneLineError(r.stderr);
      expect(r.stderr, argv.join(' ')).to.match(message);
    }
  });
});
