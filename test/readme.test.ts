import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Model } from '../src/tflite/index.js';
import { CORAL_TEST_DATA, coralFile } from './helpers/data.js';

/** The README's examples must work as written: this runs them. */
describe('README examples', function () {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('the quickstart is two commands: install and run the main job, then npm test', function () {
    const block = /## Quickstart\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    const lines = block!.trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[1]).to.equal('npm test');
    const [install, job] = lines[0]!.split(' && ');
    expect(install).to.equal('npm ci');
    // The main job, as npx runs it: the package's bin from the build that npm ci made.
    const args = job!.replace(/^npx edgetpu-learn /, '').split(' ');
    const path = args.at(-1)!;
    coralFile(this, path.replace('../shared/coral-test-data/', ''));
    const bin = new URL('../bin/edgetpu-learn.js', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [bin, ...args.slice(0, -1), join(CORAL_TEST_DATA, path.replace('../shared/coral-test-data/', ''))], { encoding: 'utf8' });
    expect(out).to.match(/runs on the Edge TPU/);
  });

  it('the library example runs and writes a valid model', async function () {
    coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'a ```ts block in README.md').to.be.a('string');
    const dir = mkdtempSync(join(tmpdir(), 'etl-readme-'));
    const source = block!
      .replace("from 'edgetpu-learn'", `from ${JSON.stringify(pathToFileURL(new URL('../src/index.ts', import.meta.url).pathname).href)}`)
      .replace("'mobilenet_v1_0.25_128_quant.tflite'", JSON.stringify(join(CORAL_TEST_DATA, 'mobilenet_v1_0.25_128_quant.tflite')))
      .replace("'edited.tflite'", JSON.stringify(join(dir, 'edited.tflite')))
      .replace(/console\.log\(/g, 'void (');
    const file = join(dir, 'example.mts');
    writeFileSync(file, source);
    await import(pathToFileURL(file).href);
    const edited = await Model.load(join(dir, 'edited.tflite'));
    expect(edited.description).to.equal('edited');
    expect(edited.subgraph().outputTensors[0]!.shape).to.deep.equal([1, 1001]);
  });
});
