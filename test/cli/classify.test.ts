import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageTensor } from '../../src/cli/image-batches.js';
import { Model } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_TEST_DATA, coralFile, requireCoralData } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { jsonLines, tempFolder, writeBrokenImage } from './fixtures.js';

interface ClassifyLine {
  image: string;
  results: { id: number; label: string | null; score: number }[];
}

function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('edgetpu-learn: ')), stderr).to.have.length(1);
  expect(lines.at(-1), stderr).to.match(/^edgetpu-learn: /);
}

/** Real TFLite's best `k` (id, dequantized score), ties broken by the lower id. */
async function referenceTop(modelPath: string, image: string, k: number): Promise<{ id: number; score: number }[]> {
  const bytes = new Uint8Array(readFileSync(modelPath));
  const g = Model.fromBuffer(bytes).subgraph(0);
  const q = g.outputTensors[0]!.quantization!;
  const tensor = await imageTensor(image, g.inputTensors[0]!, 'nearest');
  const scores = Array.from(referenceRun(bytes, [tensor]).outputs[0]!.bytes, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
  return scores
    .map((score, id) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

describe('edgetpu-learn classify', function () {
  this.timeout(120_000);
  requireCoralData();
  const tmp = tempFolder('classify');
  after(() => tmp.remove());

  it('a catalog classifier with its catalog labels gives real TFLite\'s top-5, one JSON line per image', async function () {
    const model = coralFile(this, 'mobilenet_v2_1.0_224_quant.tflite');
    const images = [coralFile(this, 'cat.bmp'), coralFile(this, 'bird.bmp')];
    const labels = readFileSync(coralFile(this, 'imagenet_labels.txt'), 'utf8').split('\n');
    const r = await runCli('classify', '--model', 'mobilenet_v2_1.0_224_quant', '--top-k', '5', '--json', ...images);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const lines = jsonLines(r.stdout) as unknown as ClassifyLine[];
    expect(lines.map((l) => l.image)).to.deep.equal(images);
    for (const [i, line] of lines.entries()) {
      expect(Object.keys(line)).to.deep.equal(['image', 'results']);
      const expected = await referenceTop(model, images[i]!, 5);
      expect(line.results).to.deep.equal(expected.map((e) => ({ id: e.id, label: labels[e.id], score: e.score })));
    }
    expect(lines[0]!.results[0]!.label).to.equal('Egyptian cat');
  });

  it('--threshold and --top-k filter the results; text shows score, id and label; --labels names them', async function () {
    const image = coralFile(this, 'cat.bmp');
    const r = await runCli('classify', '--model', 'mobilenet_v2_1.0_224_quant', '--threshold', '0.5', image);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n  0\\.\\d{4}  286 Egyptian cat\\n$`));

    // A model file without a label file beside it: ids only, label null; --labels gives names.
    const copy = join(tmp.path, 'model.tflite');
    copyFileSync(coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite'), copy);
    const bare = jsonLines((await runCli('classify', '--model', copy, '--top-k', '2', '--json', image)).stdout) as unknown as ClassifyLine[];
    expect(bare[0]!.results.map((x) => x.label)).to.deep.equal([null, null]);
    const labelsFile = join(tmp.path, 'labels.txt');
    copyFileSync(coralFile(this, 'imagenet_labels.txt'), labelsFile);
    const named = jsonLines((await runCli('classify', '--model', copy, '--labels', labelsFile, '--top-k', '2', '--json', image)).stdout) as unknown as ClassifyLine[];
    expect(named[0]!.results.map((x) => x.id)).to.deep.equal(bare[0]!.results.map((x) => x.id));
    expect(named[0]!.results.every((x) => typeof x.label === 'string' && x.label.length > 0)).to.equal(true);
  });

  it('walks folders; stops at a bad image naming it, or skips it with --skip-bad', async function () {
    const dir = join(tmp.path, 'photos');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    copyFileSync(coralFile(this, 'cat.bmp'), join(dir, 'b.bmp'));
    copyFileSync(coralFile(this, 'bird.bmp'), join(dir, 'nested', 'c.bmp'));
    writeBrokenImage(join(dir, 'a.jpg'));
    const stopped = await runCli('classify', '--model', 'mobilenet_v1_0.25_128_quant', dir);
    expect(stopped.code).to.equal(1);
    expectOneLineError(stopped.stderr);
    expect(stopped.stderr).to.include(join(dir, 'a.jpg'));
    const skipped = await runCli('classify', '--model', 'mobilenet_v1_0.25_128_quant', '--skip-bad', '--json', dir);
    expect(skipped.code, skipped.stderr).to.equal(0);
    const lines = jsonLines(skipped.stdout);
    expect(lines.filter((l) => l.event === 'skipped').map((l) => l.image)).to.deep.equal([join(dir, 'a.jpg')]);
    expect(lines.filter((l) => l.image !== undefined && l.results !== undefined).map((l) => l.image)).to.deep.equal([join(dir, 'b.bmp'), join(dir, 'nested', 'c.bmp')]);
  });

  it('bad usage exits 2; user errors exit 1, each with a one-line message', async function () {
    const cat = join(CORAL_TEST_DATA, 'cat.bmp');
    for (const argv of [['classify', cat], ['classify', '--model', 'm.tflite'], ['classify', '--model', 'm.tflite', '--top-k', '0', cat], ['classify', '--model', 'm.tflite', '--threshold', 'high', cat]]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expectOneLineError(r.stderr);
    }
    mkdirSync(join(tmp.path, 'empty'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['--model', 'mobilenet_v1_0.25_128_quant', join(tmp.path, 'empty')], /no images found in/],
      [['--model', 'mobilenet_v1_0.25_128_quant', join(tmp.path, 'missing.jpg')], /missing\.jpg: cannot read the image: no such file/],
      [['--model', join(tmp.path, 'nope.tflite'), cat], /nope\.tflite: no such model file/],
      [['--model', 'mobilenet_v1_0.25_128_quant_edgetpu', cat], /is compiled for the Edge TPU: pass --device usb .* use its CPU version \(mobilenet_v1_0\.25_128_quant\)/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli('classify', ...argv);
      expect(r.code, argv.join(' ')).to.equal(1);
      expectOneLineError(r.stderr);
      expect(r.stderr).to.match(message);
    }
  });
});
