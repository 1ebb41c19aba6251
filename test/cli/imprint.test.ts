import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageTensor } from '../../src/cli/image-batches.js';
import { Model } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_TEST_DATA, requireCoralData } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { coralLayout, imprintingFolder, jsonLines, resultEvent, tempFolder, writeBrokenImage } from './fixtures.js';

const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor';
const TEST_PHOTOS = [
  ['cat_test_0', 'cat'],
  ['dog_test_0', 'dog'],
  ['hotdog_test_0', 'hotdog'],
] as const;

interface ClassifyLine {
  image: string;
  results: { id: number; label: string | null; score: number }[];
}

interface ImprintResult {
  model: string;
  labels: string;
  modelKind: string;
  classes: { id: number; label: string; trainImages: number }[];
  skipped: { image: string; error: string }[];
  evaluation?: { images: number; topK: number[]; confusion: number[][]; misclassified: unknown[]; on: string };
}

const photo = (name: string): string => join(CORAL_TEST_DATA, 'imprinting', `${name}.bmp`);

/** The error is one line, the last on stderr (after any progress lines), without a stack trace. */
function expectOneLineError(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('edgetpu-learn: ')), stderr).to.have.length(1);
  expect(lines.at(-1), stderr).to.match(/^edgetpu-learn: /);
  expect(stderr).not.to.match(/^\s+at /m);
}

describe('edgetpu-learn imprint', function () {
  this.timeout(180_000);
  requireCoralData();
  const tmp = tempFolder('imprint');
  after(() => tmp.remove());

  it('imprints cat, dog and hotdog; the exported model classifies the test photos correctly, as real TFLite does', async function () {
    const data = imprintingFolder(this, join(tmp.path, 'photos'), coralLayout(['cat', 'dog', 'hotdog']));
    const output = join(tmp.path, 'out', 'pets.tflite');
    const r = await runCli('imprint', '--model', EXTRACTOR, '--data', data, '--test-ratio', '0.25', '--output', output, '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr, 'nothing on stderr under --json').to.equal('');
    const result = resultEvent<ImprintResult>(r.stdout);
    expect(result.modelKind).to.equal('extractor');
    expect(result.classes).to.deep.equal([
      { id: 0, label: 'cat', trainImages: 1 },
      { id: 1, label: 'dog', trainImages: 1 },
      { id: 2, label: 'hotdog', trainImages: 2 },
    ]);
    // The fixed-order split sets the first photo of each class aside: the *_test_0 ones.
    expect(result.evaluation).to.deep.include({ images: 3, topK: [1, 1, 1, 1, 1], confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], misclassified: [], on: 'model' });
    expect(jsonLines(r.stdout).some((e) => e.event === 'progress' && e.phase === 'embedding')).to.equal(true);
    expect(readFileSync(join(tmp.path, 'out', 'pets.txt'), 'utf8')).to.equal('0 cat\n1 dog\n2 hotdog\n');

    const c = await runCli('classify', '--model', output, '--json', ...TEST_PHOTOS.map(([p]) => photo(p)));
    expect(c.code, c.stderr).to.equal(0);
    const lines = jsonLines(c.stdout) as unknown as ClassifyLine[];
    expect(lines.map((l) => l.image)).to.deep.equal(TEST_PHOTOS.map(([p]) => photo(p)));
    const modelBytes = new Uint8Array(readFileSync(output));
    const model = Model.fromBuffer(modelBytes);
    const input = model.subgraph(0).inputTensors[0]!;
    const out = model.subgraph(0).outputTensors[0]!.quantization!;
    for (const [i, [name, label]] of TEST_PHOTOS.entries()) {
      const best = lines[i]!.results[0]!;
      expect(best, name).to.deep.include({ id: i, label });
      expect(best.score, name).to.be.above(0.99);
      expect(lines[i]!.results.map((x) => x.score), name).to.deep.equal([...lines[i]!.results.map((x) => x.score)].sort((a, b) => b - a));
      // Real TFLite 2.9 runs the exported file and gives the same best class and score.
      const tensor = await imageTensor(photo(name), input, 'nearest');
      const scores = Array.from(referenceRun(modelBytes, [tensor]).outputs[0]!.bytes, (q) => out.scale[0]! * (q - out.zeroPoint[0]!));
      const top = scores.indexOf(Math.max(...scores));
      expect({ id: top, score: scores[top] }, name).to.deep.equal({ id: best.id, score: best.score });
    }
  });

  it('--keep-classes continues the ids of an imprinted model, and --base-labels carries its labels', async function () {
    const first = imprintingFolder(this, join(tmp.path, 'first'), coralLayout(['cat', 'dog']));
    const m1 = join(tmp.path, 'keep', 'm1.tflite');
    const r1 = await runCli('imprint', '--model', EXTRACTOR, '--data', first, '--output', m1, '--json');
    expect(r1.code, r1.stderr).to.equal(0);
    expect(resultEvent<ImprintResult>(r1.stdout).evaluation).to.equal(undefined);

    const more = imprintingFolder(this, join(tmp.path, 'more'), coralLayout(['hotdog']));
    const m2 = join(tmp.path, 'keep', 'm2.tflite');
    const r2 = await runCli('imprint', '--model', m1, '--keep-classes', '--base-labels', join(tmp.path, 'keep', 'm1.txt'), '--data', more, '--test-ratio', '0.3', '--output', m2);
    expect(r2.code, r2.stderr).to.equal(0);
    expect(r2.stdout).to.match(/^imprinted 1 class \(2 hotdog: 2 images\)$/m);
    expect(r2.stdout).to.match(/^top-1 100\.00%/m);
    expect(r2.stdout).to.include('confusion matrix (rows: true class, columns: predicted class)');
    expect(readFileSync(join(tmp.path, 'keep', 'm2.txt'), 'utf8')).to.equal('0 cat\n1 dog\n2 hotdog\n');

    // Without --labels, classify reads the label file beside the model.
    const c = await runCli('classify', '--model', m2, '--top-k', '1', '--json', ...TEST_PHOTOS.map(([p]) => photo(p)));
    expect(c.code, c.stderr).to.equal(0);
    const lines = jsonLines(c.stdout) as unknown as ClassifyLine[];
    expect(lines.map((l) => [l.results.length, l.results[0]!.id, l.results[0]!.label])).to.deep.equal([
      [1, 0, 'cat'],
      [1, 1, 'dog'],
      [1, 2, 'hotdog'],
    ]);
  });

  it('stops at an unreadable image with a one-line error naming it; --skip-bad skips and reports it', async function () {
    const data = imprintingFolder(this, join(tmp.path, 'bad'), coralLayout(['cat', 'dog']));
    writeBrokenImage(join(data, 'cat', 'zz_broken.jpg'));
    const output = join(tmp.path, 'bad-out', 'm.tflite');
    const stopped = await runCli('imprint', '--model', EXTRACTOR, '--data', data, '--output', output);
    expect(stopped.code).to.equal(1);
    expectOneLineError(stopped.stderr);
    expect(stopped.stderr).to.include(join(data, 'cat', 'zz_broken.jpg'));

    const skipped = await runCli('imprint', '--model', EXTRACTOR, '--data', data, '--output', output, '--skip-bad', '--json');
    expect(skipped.code, skipped.stderr).to.equal(0);
    const events = jsonLines(skipped.stdout);
    expect(events.filter((e) => e.event === 'skipped').map((e) => e.image)).to.deep.equal([join(data, 'cat', 'zz_broken.jpg')]);
    const result = resultEvent<ImprintResult>(skipped.stdout);
    expect(result.skipped.map((s) => s.image)).to.deep.equal([join(data, 'cat', 'zz_broken.jpg')]);
    expect(result.classes.map((c) => c.trainImages)).to.deep.equal([2, 2]);
  });

  it('bad usage exits 2 with a one-line message', async function () {
    const cases = [
      ['imprint'],
      ['imprint', '--data', 'x', '--output', 'o.tflite'],
      ['imprint', '--model', EXTRACTOR, '--output', 'o.tflite'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--embeddings', 'e.json', '--output', 'o.tflite'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--test-ratio', '1.5'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--scale', '-1'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--resize', 'cubic'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--device', 'gpu'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--frobnicate'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', 'stray'],
      ['imprint', '--model', EXTRACTOR, '--data', 'x', '--output', 'o.tflite', '--base-labels', 'l.txt'],
    ];
    for (const argv of cases) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expectOneLineError(r.stderr);
    }
  });

  it('user errors exit 1 with a one-line message that says what to do', async function () {
    const data = imprintingFolder(this, join(tmp.path, 'errors'), coralLayout(['cat', 'dog']));
    const single = imprintingFolder(this, join(tmp.path, 'errors-single'), { cat: { 'a.bmp': 'cat_train_0' }, dog: { 'b.bmp': 'dog_train_0', 'c.bmp': 'dog_test_0' } });
    const out = join(tmp.path, 'errors-out', 'm.tflite');
    const cases: [string[], RegExp][] = [
      [['--model', EXTRACTOR, '--data', join(tmp.path, 'nowhere')], /dataset folder .*nowhere does not exist/],
      [['--model', 'no_such_model', '--data', data], /no_such_model: no such model file, and no model of that name in the catalog/],
      [['--model', EXTRACTOR, '--data', data, '--keep-classes'], /--keep-classes needs an imprinting model/],
      [['--model', EXTRACTOR, '--data', single, '--test-ratio', '0.5'], /class 'cat' has 1 image: it needs at least 2/],
      [['--model', join(CORAL_TEST_DATA, 'cat.bmp'), '--data', data], /cat\.bmp: no TFLite file identifier/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli('imprint', ...argv, '--output', out);
      expect(r.code, argv.join(' ')).to.equal(1);
      expectOneLineError(r.stderr);
      expect(r.stderr, argv.join(' ')).to.match(message);
    }
    const limited = imprintingFolder(this, join(tmp.path, 'errors-limit'), coralLayout(['hotdog', 'cat']));
    const r = await runCli('imprint', '--model', EXTRACTOR, '--data', limited, '--max-samples', '2', '--output', out);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/class 'hotdog' has 3 training images, more than the 2 samples a class may hold: pass --max-samples 3/);
  });
});
