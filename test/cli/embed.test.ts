import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageTensor } from '../../src/cli/image-batches.js';
import { Model } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_TEST_DATA, coralFile, requireCoralData } from '../helpers/data.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { coralLayout, imprintingFolder, jsonLines, resultEvent, tempFolder } from './fixtures.js';

const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor';

/**
 * Reads a .npy file the way numpy.load does, written independently of the code under test:
 * magic, version 1.0, little-endian header length, the header dict, data at its end.
 */
function parseNpy(bytes: Buffer): { descr: string; fortranOrder: boolean; shape: number[]; data: Float32Array; headerEnd: number } {
  expect(bytes.subarray(0, 6).equals(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])), 'magic \\x93NUMPY').to.equal(true);
  expect([bytes[6], bytes[7]], 'version 1.0').to.deep.equal([1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  expect(header.endsWith('\n')).to.equal(true);
  const m = /^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \((\d+), (\d+)\), \} *\n$/.exec(header);
  expect(m, header).to.not.equal(null);
  const shape = [Number(m![3]), Number(m![4])];
  const start = 10 + headerLength;
  expect(bytes.length - start).to.equal(shape[0]! * shape[1]! * 4);
  const data = new Float32Array(shape[0]! * shape[1]!);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(start + 4 * i);
  return { descr: m![1]!, fortranOrder: m![2] === 'True', shape, data, headerEnd: start };
}

describe('edgetpu-learn embed', function () {
  this.timeout(180_000);
  requireCoralData();
  const tmp = tempFolder('embed');
  after(() => tmp.remove());

  it('writes a valid float32 .npy, a .json with the same values, both real TFLite\'s dequantized embeddings', async function () {
    const data = imprintingFolder(this, join(tmp.path, 'photos'), coralLayout(['cat', 'dog', 'hotdog']));
    const npyPath = join(tmp.path, 'emb.npy');
    const r = await runCli('embed', '--model', EXTRACTOR, data, '--output', npyPath);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`wrote ${npyPath}: 7 embeddings of 1024 float32 values\n`);
    const npy = parseNpy(readFileSync(npyPath));
    expect(npy).to.deep.include({ descr: '<f4', fortranOrder: false, shape: [7, 1024] });
    expect(npy.headerEnd % 64, 'data aligned to 64 bytes').to.equal(0);

    const jsonPath = join(tmp.path, 'out', 'emb.json');
    const j = await runCli('embed', '--model', EXTRACTOR, data, '--output', jsonPath, '--json');
    expect(j.code, j.stderr).to.equal(0);
    const doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as { model: string; dim: number; images: string[]; embeddings: number[][] };
    const order = ['cat/cat_test_0', 'cat/cat_train_0', 'dog/dog_test_0', 'dog/dog_train_0', 'hotdog/hotdog_test_0', 'hotdog/hotdog_train_0', 'hotdog/hotdog_train_1'];
    expect(doc.images).to.deep.equal(order.map((p) => join(data, `${p}.bmp`)));
    expect(doc).to.include({ model: EXTRACTOR, dim: 1024 });
    expect(resultEvent<{ images: string[]; count: number }>(j.stdout)).to.include({ count: 7 });
    // Both files hold the same float32 values.
    expect(Float32Array.from(doc.embeddings.flat())).to.deep.equal(npy.data);

    const extractor = new Uint8Array(readFileSync(coralFile(this, `${EXTRACTOR}.tflite`)));
    const g = Model.fromBuffer(extractor).subgraph(0);
    const q = g.outputTensors[0]!.quantization!;
    for (const row of [0, 6]) {
      const tensor = await imageTensor(doc.images[row]!, g.inputTensors[0]!, 'nearest');
      const expected = Float32Array.from(referenceRun(extractor, [tensor]).outputs[0]!.bytes, (v) => q.scale[0]! * (v - q.zeroPoint[0]!));
      expect(npy.data.subarray(row * 1024, (row + 1) * 1024), `row ${row}`).to.deep.equal(expected);
    }
  });

  it('imprint --embeddings learns from the .json and classifies the test photos', async function () {
    const data = imprintingFolder(this, join(tmp.path, 'photos2'), coralLayout(['cat', 'dog', 'hotdog']));
    const emb = join(tmp.path, 'emb2.json');
    expect((await runCli('embed', '--model', EXTRACTOR, data, '--output', emb)).code).to.equal(0);
    const output = join(tmp.path, 'from-embeddings.tflite');
    const r = await runCli('imprint', '--model', EXTRACTOR, '--embeddings', emb, '--test-ratio', '0.25', '--output', output, '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = resultEvent<{ classes: { label: string; trainImages: number }[]; evaluation: { on: string; topK: number[] } }>(r.stdout);
    expect(result.classes.map((c) => [c.label, c.trainImages])).to.deep.equal([
      ['cat', 1],
      ['dog', 1],
      ['hotdog', 2],
    ]);
    expect(result.evaluation).to.deep.include({ on: 'embeddings', topK: [1, 1, 1, 1, 1] });
    const photos = ['cat_test_0', 'dog_test_0', 'hotdog_test_0'].map((p) => join(CORAL_TEST_DATA, 'imprinting', `${p}.bmp`));
    const c = await runCli('classify', '--model', output, '--top-k', '1', '--json', ...photos);
    const labels = (jsonLines(c.stdout) as unknown as { results: { label: string; score: number }[] }[]).map((l) => l.results[0]!);
    expect(labels.map((l) => l.label)).to.deep.equal(['cat', 'dog', 'hotdog']);
    expect(labels.every((l) => l.score > 0.99)).to.equal(true);
  });

  it('a classifier gives the embedding its classifier layer reads', async function () {
    const r = await runCli('embed', '--model', 'mobilenet_v1_0.25_128_quant', coralFile(this, 'cat.bmp'), '--output', join(tmp.path, 'c.npy'));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include('mobilenet_v1_0.25_128_quant is a classifier: using the embedding its classifier layer reads');
    expect(parseNpy(readFileSync(join(tmp.path, 'c.npy'))).shape).to.deep.equal([1, 256]);
  });

  it('bad usage exits 2; a .npy given to imprint --embeddings exits 1', async function () {
    const cat = join(CORAL_TEST_DATA, 'cat.bmp');
    for (const argv of [['embed', '--model', EXTRACTOR, cat], ['embed', '--model', EXTRACTOR, cat, '--output', 'e.csv'], ['embed', '--model', EXTRACTOR, '--output', 'e.npy'], ['embed', cat, '--output', 'e.npy']]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
    const r = await runCli('imprint', '--model', EXTRACTOR, '--embeddings', join(tmp.path, 'emb.npy'), '--output', join(tmp.path, 'x.tflite'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^edgetpu-learn: .*emb\.npy: give the \.json form of 'edgetpu-learn embed'/);
  });
});
