import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Model } from '../src/tflite/index.js';
import { CORAL_TEST_DATA, coralFile } from './helpers/data.js';

/** The README's examples must work as written: this runs them. */
describe('README examples', function () {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('the quickstart is two commands: install and run the demo, then npm test', function () {
    const block = /## Quickstart\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    const lines = block!.trim().split('\n');
    expect(lines).to.deep.equal(['npm ci && npx edgetpu-learn demo', 'npm test']);
    coralFile(this, 'imprinting/cat_test_0.bmp');
    // The main job, as npx runs it: the package's bin from the build that npm ci made.
    const bin = new URL('../bin/edgetpu-learn.js', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [bin, 'demo'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORAL_TEST_DATA } });
    expect(out).to.match(/cat/);
    expect(out).to.match(/hotdog/);
  });

  it('every command of the walkthrough works as written', function () {
    this.timeout(600_000);
    coralFile(this, 'imprinting/cat_test_0.bmp');
    coralFile(this, 'bird.bmp');
    const section = /## Walkthrough\n([\s\S]*?)\n## /.exec(readme)?.[1];
    expect(section, 'a Walkthrough section').to.be.a('string');
    const blocks = [...section!.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).to.be.at.least(5);
    const bin = new URL('../bin/edgetpu-learn.js', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'etl-walkthrough-'));
    const outputs: string[] = [];
    for (const block of blocks) {
      for (const line of block.trim().split('\n')) {
        const command = line.replaceAll('npx edgetpu-learn', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)}`).replaceAll('../shared/coral-test-data', CORAL_TEST_DATA);
        outputs.push(execFileSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORAL_TEST_DATA } }));
      }
    }
    const all = outputs.join('\n');
    // The photos come out as the classes they show.
    expect(all).to.match(/cat_test_0\.bmp[\s\S]*?cat/);
    expect(all).to.match(/"label":\s*"hotdog"/);
    expect(all).to.match(/bird\.bmp[\s\S]*?bird/);
    expect(existsSync(join(dir, 'pets-sgd.tflite'))).to.equal(true);
  });

  /** The README's ```ts blocks, with their file names pointed at Coral's data or a temporary folder. */
  async function runExample(block: string, dir: string): Promise<void> {
    const data = (name: string): string => JSON.stringify(join(CORAL_TEST_DATA, name));
    const source = block
      .replace("from 'edgetpu-learn'", `from ${JSON.stringify(pathToFileURL(new URL('../src/index.ts', import.meta.url).pathname).href)}`)
      .replace(/'(mobilenet_v1_0\.25_128_quant\.tflite|mobilenet_v1_1\.0_224_quant_embedding_extractor\.tflite)'/g, (_, name: string) => data(name))
      .replace(/'((?:cat|dog)_(?:train|test)_\d\.bmp)'/g, (_, name: string) => data(`imprinting/${name}`))
      .replace(/'((?:edited|pets)\.tflite)'/g, (_, name: string) => JSON.stringify(join(dir, name)))
      .replace(/console\.log\(/g, 'logged.push(');
    const file = join(dir, `example-${Math.random().toString(36).slice(2)}.mts`);
    writeFileSync(file, `const logged: unknown[] = [];\n${source}\nexport { logged };\n`);
    const { logged } = (await import(pathToFileURL(file).href)) as { logged: unknown[] };
    lastLogged = logged;
  }
  let lastLogged: unknown[] = [];
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('the library examples are there: learning and inference first, then model surgery', function () {
    expect(blocks.length).to.equal(2);
    expect(blocks[0]).to.match(/ImprintingEngine/);
    expect(blocks[1]).to.match(/model\.cutAt/);
  });

  it('the learning example imprints two classes, and the interpreter runs the export: the cat photo scores as the cat', async function () {
    coralFile(this, 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite');
    const dir = mkdtempSync(join(tmpdir(), 'etl-readme-'));
    await runExample(blocks[0]!, dir);
    expect(existsSync(join(dir, 'pets.tflite'))).to.equal(true);
    const scores = lastLogged[0] as Uint8Array;
    expect(Array.from(scores)).to.have.length(2);
    expect(scores[0]!).to.be.above(scores[1]!);
    // The comment in the README says what it prints.
    expect(blocks[0]).to.include(`// Uint8Array(2) [ ${scores[0]}, ${scores[1]} ]: a cat`);
  });

  it('the model surgery example runs and writes a valid model', async function () {
    coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const dir = mkdtempSync(join(tmpdir(), 'etl-readme-'));
    await runExample(blocks[1]!, dir);
    const edited = await Model.load(join(dir, 'edited.tflite'));
    expect(edited.description).to.equal('edited');
    expect(edited.subgraph().outputTensors[0]!.shape).to.deep.equal([1, 1001]);
  });
});
