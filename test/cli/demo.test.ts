import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { requireCoralData } from '../helpers/data.js';
import { resultEvent, tempFolder, withEnv } from './fixtures.js';

interface DemoResult {
  model: string;
  labels: string;
  predictions: { image: string; expected: string; predicted: string; id: number; score: number }[];
  correct: number;
  total: number;
}

describe('edgetpu-learn demo', function () {
  this.timeout(120_000);
  requireCoralData();
  const tmp = tempFolder('demo');
  after(() => tmp.remove());

  it('imprints cat, dog and hotdog on the CPU and classifies the three new photos correctly', async function () {
    const dir = join(tmp.path, 'text');
    const r = await runCli('demo', '--output', dir);
    expect(r.code, r.stderr).to.equal(0);
    for (const name of ['cat', 'dog', 'hotdog']) {
      expect(r.stdout).to.match(new RegExp(`^  ${name}_test_0\\.bmp +->  ${name} +0\\.99\\d  correct$`, 'm'));
    }
    expect(r.stdout).to.match(/^3\/3 new photos classified correctly/m);
    expect(r.stdout).to.include(`edgetpu-learn classify --model ${join(dir, 'demo.tflite')} IMAGE...`);
    expect(existsSync(join(dir, 'demo.tflite'))).to.equal(true);
    expect(readFileSync(join(dir, 'demo.txt'), 'utf8')).to.equal('0 cat\n1 dog\n2 hotdog\n');
  });

  it('--json gives the predictions as data', async function () {
    const r = await runCli('demo', '--output', join(tmp.path, 'json'), '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = resultEvent<DemoResult>(r.stdout);
    expect(result).to.include({ correct: 3, total: 3 });
    expect(result.predictions.map((p) => [p.expected, p.predicted, p.id])).to.deep.equal([
      ['cat', 'cat', 0],
      ['dog', 'dog', 1],
      ['hotdog', 'hotdog', 2],
    ]);
    expect(result.predictions.every((p) => p.score > 0.99)).to.equal(true);
  });

  it("without Coral's photos it says where to put them (exit 1)", async function () {
    const empty = join(tmp.path, 'empty');
    mkdirSync(empty, { recursive: true });
    const r = await withEnv({ CORAL_TEST_DATA: empty }, () => runCli('demo'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(
      "edgetpu-learn: the demo needs Coral's imprinting photos (imprinting/cat_train_0.bmp and the others): set CORAL_TEST_DATA to a copy of google-coral/test_data, or put it at ../shared/coral-test-data\n",
    );
    expect((await runCli('demo', 'extra')).code).to.equal(2);
  });
});
