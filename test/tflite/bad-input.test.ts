import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidModelError, Model } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { prng } from '../helpers/prng.js';

function expectInvalid(bytes: Uint8Array, pattern: RegExp): InvalidModelError {
  const start = Date.now();
  let error: unknown;
  try {
    Model.fromBuffer(bytes, { source: 'model.tflite' });
  } catch (e) {
    error = e;
  }
  expect(Date.now() - start, 'took too long').to.be.below(1000);
  expect(error).to.be.instanceOf(InvalidModelError);
  expect((error as Error).message).to.match(pattern);
  expect((error as Error).message).to.match(/^model\.tflite: /);
  return error as InvalidModelError;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('bad model input', function () {
  let small: Uint8Array;
  before(function () {
    small = readFileSync(coralFile(this as unknown as Mocha.Context, 'mobilenet_v1_0.25_128_quant.tflite'));
  });

  it('an empty file', function () {
    expectInvalid(new Uint8Array(0), /empty/);
  });

  it('a file too short to be a model', function () {
    expectInvalid(small.subarray(0, 10), /only 10 bytes/);
  });

  it('an HTML page saved under a .tflite name', function () {
    expectInvalid(text('<!DOCTYPE html>\n<html><head><title>GitHub</title></head><body>...</body></html>'), /HTML page/);
    expectInvalid(text('\n  <html lang="en"><head></head></html>'), /HTML page/);
  });

  it('a Git LFS pointer', function () {
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d899a809ac1d703abc\nsize 2913920\n';
    expectInvalid(text(pointer), /Git LFS pointer.*git lfs pull/);
  });

  it('a file without the TFL3 identifier', function () {
    const b = Uint8Array.from(small);
    b.set(text('ONNX'), 4);
    expectInvalid(b, /expected 'TFL3'.*found 'ONNX'/);
  });

  it('gzip, zip and JSON files', function () {
    expectInvalid(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7]), /gzip/);
    expectInvalid(text('PK\x03\x04 some zip content here'), /zip archive/);
    expectInvalid(text('{"format": "layers-model", "modelTopology": {}}'), /JSON/);
  });

  it('random bytes', function () {
    const rand = prng(7);
    for (let n = 0; n < 50; n++) {
      const b = new Uint8Array(16 + Math.floor(rand() * 4096)).map(() => Math.floor(rand() * 256));
      expectInvalid(b, /TFL3|damaged|truncated|range|absurd|buffer|tensor|subgraph|operator|JSON|gzip|zip|HTML/);
    }
  });

  it('a truncated model', function () {
    expectInvalid(small.subarray(0, Math.floor(small.length / 2)), /damaged or truncated|past the end/);
  });

  it('a root offset that points outside the file', function () {
    const b = Uint8Array.from(small);
    new DataView(b.buffer).setUint32(0, b.length + 1000, true);
    expectInvalid(b, /damaged or truncated/);
  });

  it('absurd tensor shapes', function () {
    const model = Model.fromBuffer(small);
    model.raw.subgraphs[0]!.tensors[0]!.shape = [1, 1_000_000, 1_000_000, 3];
    expect(() => model.toBuffer()).to.throw(InvalidModelError, /absurd shape/);
    model.raw.subgraphs[0]!.tensors[0]!.shape = [1, -5, 3];
    expect(() => model.toBuffer()).to.throw(InvalidModelError, /absurd shape/);
  });

  it('a constant tensor whose buffer does not match its shape', function () {
    const model = Model.fromBuffer(small);
    const weights = model.subgraph().tensors.find((t) => t.isConstant)!;
    model.raw.subgraphs[0]!.tensors[weights.index]!.shape = [7, 7];
    expect(() => model.toBuffer()).to.throw(InvalidModelError, /buffer holds/);
  });

  it('reports the file path when loading', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'etl-'));
    const path = join(dir, 'page.tflite');
    writeFileSync(path, '<!doctype html><html></html>');
    let error: unknown;
    await Model.load(path).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(InvalidModelError);
    expect((error as Error).message).to.equal(`${path}: this is an HTML page, not a TFLite model: the download saved a web page (for example a GitHub "blob" link); download the raw file instead`);
    await Model.load(join(dir, 'missing.tflite')).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.match(/missing\.tflite: cannot read the model: no such file/);
  });

  it('Model.load(path, { into }) reads into the memory given, and says what is wrong with the file the same way', async function () {
    const path = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const file = readFileSync(path);
    const memory = new Uint8Array(new SharedArrayBuffer(file.length + 32));
    const sizes: number[] = [];
    const model = await Model.load(path, { into: (size) => (sizes.push(size), memory.subarray(16, 16 + size)) });
    expect(sizes).to.deep.equal([file.length]);
    expect(Buffer.compare(memory.subarray(16, 16 + file.length), file)).to.equal(0);
    // Weights are views of that memory.
    const weights = model.subgraph().tensors.find((t) => t.isConstant && t.shape.length === 4)!;
    expect(model.bufferData(weights.buffer).buffer).to.equal(memory.buffer);

    const dir = mkdtempSync(join(tmpdir(), 'etl-'));
    const into = (size: number): Uint8Array => new Uint8Array(size);
    const failures: Array<[string, () => Promise<Model>, RegExp]> = [
      ['a missing file', () => Model.load(join(dir, 'missing.tflite'), { into }), /missing\.tflite: cannot read the model: no such file/],
      ['a directory', () => Model.load(dir, { into }), /cannot read the model: is a directory, not a model file/],
      ['memory of the wrong size', () => Model.load(path, { into: (size) => new Uint8Array(size - 1) }), /cannot read the model: Model\.load: into\(\d+\) returned \d+ bytes/],
    ];
    writeFileSync(join(dir, 'page.tflite'), '<!doctype html><html></html>');
    failures.push(['a web page', () => Model.load(join(dir, 'page.tflite'), { into }), /this is an HTML page, not a TFLite model/]);
    for (const [what, load, pattern] of failures) {
      let error: unknown;
      await load().catch((e: unknown) => (error = e));
      expect(error, what).to.be.instanceOf(InvalidModelError);
      expect((error as Error).message, what).to.match(pattern);
    }
  });
});
