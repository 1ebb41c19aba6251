import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadCatalog, type CatalogEntry } from '../../src/models/index.js';
import { parseLabels } from '../../src/data/index.js';
import { Model } from '../../src/tflite/index.js';
import { runCli } from '../helpers/cli.js';
import { CORAL_TEST_DATA, coralFile, requireCoralData } from '../helpers/data.js';
import { jsonLines, tempFolder, withEnv } from './fixtures.js';

const SMALL = 'mobilenet_v1_0.25_128_quant';

/** An HTTP server on 127.0.0.1 that serves `files` by name and 404 for anything else. */
async function fileServer(files: Map<string, Uint8Array>): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files.get(decodeURIComponent((req.url ?? '').replace(/^\/models\//, '')));
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`, requests };
}

describe('edgetpu-learn models', function () {
  this.timeout(60_000);
  requireCoralData();
  const tmp = tempFolder('models');
  after(() => tmp.remove());
  let n = 0;
  /** A new, empty cache folder for each case. */
  const freshCache = (): string => join(tmp.path, `cache-${n++}`);

  it("the catalog matches Coral's files: size, sha256, input and output shapes, twins, source URL", function () {
    const catalog = loadCatalog();
    const byName = new Map(catalog.models.map((m) => [m.name, m]));
    expect(catalog.models.length).to.be.at.least(7);
    for (const m of catalog.models) {
      const bytes = readFileSync(coralFile(this, m.file));
      expect(bytes.length, m.name).to.equal(m.size);
      expect(createHash('sha256').update(bytes).digest('hex'), m.name).to.equal(m.sha256);
      expect(m.url).to.equal(`https://github.com/google-coral/test_data/raw/master/${m.file}`);
      if (m.kind === 'labels') {
        expect(parseLabels(bytes.toString('utf8')).size, m.name).to.equal(1001);
        continue;
      }
      const g = Model.fromBuffer(bytes).subgraph(0);
      expect({ shape: g.inputTensors[0]!.shape, dtype: g.inputTensors[0]!.dtype }, m.name).to.deep.equal(m.input);
      expect({ shape: g.outputTensors[0]!.shape, dtype: g.outputTensors[0]!.dtype }, m.name).to.deep.equal(m.output);
      expect(Model.fromBuffer(bytes).isEdgeTpuModel, m.name).to.equal(m.edgetpu);
      const twin = byName.get((m.edgetpu ? m.cpuModel : m.edgetpuModel)!) as CatalogEntry;
      expect(twin, m.name).to.not.equal(undefined);
      expect(twin.edgetpu ? twin.cpuModel : twin.edgetpuModel, m.name).to.equal(m.name);
      if (m.labels !== undefined) expect(byName.get(m.labels)?.kind).to.equal('labels');
    }
  });

  it('list shows every model and where it is', async function () {
    await withEnv({ EDGETPU_LEARN_CACHE: freshCache() }, async () => {
      const r = await runCli('models', 'list');
      expect(r.code, r.stderr).to.equal(0);
      for (const m of loadCatalog().models) expect(r.stdout).to.match(new RegExp(`^${m.name.replace(/\./g, '\\.')}\\s+${m.kind}\\s.*in coral test data$`, 'm'));
      const j = JSON.parse((await runCli('models', 'list', '--json')).stdout) as { models: { name: string; sha256: string; local: { location: string } | null }[] };
      expect(j.models.map((m) => m.local?.location)).to.deep.equal(loadCatalog().models.map(() => 'coral-test-data'));
    });
  });

  it('pull --from copies into the cache after checking the sha256, with the label file of a classifier; then the cache serves it', async function () {
    const cache = freshCache();
    await withEnv({ EDGETPU_LEARN_CACHE: cache }, async () => {
      const r = await runCli('models', 'pull', SMALL, '--from', CORAL_TEST_DATA);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`${SMALL}: ${join(CORAL_TEST_DATA, `${SMALL}.tflite`)} -> ${join(cache, `${SMALL}.tflite`)}`);
      expect(r.stdout).to.include('sha256 verified');
      expect(readFileSync(join(cache, `${SMALL}.tflite`)).equals(readFileSync(join(CORAL_TEST_DATA, `${SMALL}.tflite`)))).to.equal(true);
      expect(existsSync(join(cache, 'imagenet_labels.txt'))).to.equal(true);
      const again = await runCli('models', 'pull', SMALL, '--json');
      expect(again.code, again.stderr).to.equal(0);
      expect(jsonLines(again.stdout).map((e) => [e.name, e.status])).to.deep.equal([
        [SMALL, 'cached'],
        ['imagenet_labels', 'cached'],
      ]);
    });
    // Without Coral's test data, a catalog name resolves to the cache (labels included) ...
    const cat = coralFile(this, 'cat.bmp');
    const empty = join(tmp.path, 'no-test-data');
    mkdirSync(empty, { recursive: true });
    await withEnv({ EDGETPU_LEARN_CACHE: cache, CORAL_TEST_DATA: empty }, async () => {
      const r = await runCli('classify', '--model', SMALL, '--top-k', '1', '--json', cat);
      expect(r.code, r.stderr).to.equal(0);
      expect((JSON.parse(r.stdout) as { results: { label: string }[] }).results[0]!.label).to.match(/cat/);
    });
    // ... and with neither, the message says to pull it.
    await withEnv({ EDGETPU_LEARN_CACHE: freshCache(), CORAL_TEST_DATA: empty }, async () => {
      const r = await runCli('classify', '--model', SMALL, cat);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`edgetpu-learn: ${SMALL} is not on this machine: run 'edgetpu-learn models pull ${SMALL}' (or set CORAL_TEST_DATA to a folder that has ${SMALL}.tflite)\n`);
    });
  });

  it('refuses a tampered copy, a copy of another size and a file that is not a model, writing nothing', async function () {
    const original = readFileSync(coralFile(this, `${SMALL}.tflite`));
    const cases: [string, Buffer, RegExp][] = [
      ['tampered', Buffer.from(original).fill(0x55, 300_000, 300_016), /sha256 [0-9a-f]{64} is not mobilenet_v1_0\.25_128_quant's \([0-9a-f]{64}\); refusing it/],
      ['longer', Buffer.concat([original, Buffer.alloc(64)]), /is 525662 bytes, but mobilenet_v1_0\.25_128_quant is 525598; refusing it/],
      ['html', Buffer.from('<!DOCTYPE html><html><body>Sign in to continue</body></html>\n'.repeat(4)), /mobilenet_v1_0\.25_128_quant\.tflite: this is an HTML page, not a TFLite model/],
    ];
    for (const [name, bytes, message] of cases) {
      const dir = join(tmp.path, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${SMALL}.tflite`), bytes);
      const cache = freshCache();
      await withEnv({ EDGETPU_LEARN_CACHE: cache }, async () => {
        const r = await runCli('models', 'pull', SMALL, '--from', dir);
        expect(r.code, name).to.equal(1);
        expect(r.stderr.trim().split('\n'), name).to.have.length(1);
        expect(r.stderr, name).to.match(message);
        expect(existsSync(join(cache, `${SMALL}.tflite`)), name).to.equal(false);
      });
    }
    const html = await withEnv({ EDGETPU_LEARN_CACHE: freshCache() }, () => runCli('models', 'pull', SMALL, '--from', join(tmp.path, 'html')));
    expect(html.stderr).to.not.match(/sha256/); // "not a model" comes first, from the model reader
  });

  it('downloads over HTTP (a server on 127.0.0.1 standing in as the mirror), checking the bytes; clear messages when it cannot', async function () {
    const original = readFileSync(coralFile(this, `${SMALL}.tflite`));
    const labels = readFileSync(coralFile(this, 'imagenet_labels.txt'));
    const good = await fileServer(new Map([[`${SMALL}.tflite`, original], ['imagenet_labels.txt', labels]]));
    const bad = await fileServer(new Map([[`${SMALL}.tflite`, Buffer.from(original).fill(7, 200_000, 200_004)]]));
    try {
      const cache = freshCache();
      await withEnv({ EDGETPU_LEARN_CACHE: cache, EDGETPU_LEARN_MODEL_MIRROR: good.base }, async () => {
        const r = await runCli('models', 'pull', SMALL, '--json');
        expect(r.code, r.stderr).to.equal(0);
        const pulled = jsonLines(r.stdout).filter((e) => e.event === 'pulled');
        expect(pulled.map((e) => [e.name, e.source, e.status])).to.deep.equal([
          [SMALL, `${good.base}/${SMALL}.tflite`, 'pulled'],
          ['imagenet_labels', `${good.base}/imagenet_labels.txt`, 'pulled'],
        ]);
        expect(jsonLines(r.stdout).some((e) => e.event === 'progress' && e.done === original.length)).to.equal(true);
        expect(readFileSync(join(cache, `${SMALL}.tflite`)).equals(original)).to.equal(true);
        expect(good.requests).to.deep.equal([`/models/${SMALL}.tflite`, '/models/imagenet_labels.txt']);
      });
      await withEnv({ EDGETPU_LEARN_CACHE: freshCache(), EDGETPU_LEARN_MODEL_MIRROR: bad.base }, async () => {
        const r = await runCli('models', 'pull', SMALL);
        expect(r.code).to.equal(1);
        expect(r.stderr.trim().split('\n').at(-1)).to.match(new RegExp(`^edgetpu-learn: ${bad.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${SMALL}\\.tflite: sha256 .* refusing it`));
      });
      await withEnv({ EDGETPU_LEARN_CACHE: freshCache(), EDGETPU_LEARN_MODEL_MIRROR: good.base.replace('/models', '/elsewhere') }, async () => {
        const r = await runCli('models', 'pull', SMALL);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/cannot download mobilenet_v1_0\.25_128_quant from http:\/\/127\.0\.0\.1:\d+\/elsewhere\/mobilenet_v1_0\.25_128_quant\.tflite \(HTTP 404 Not Found\)\. Without network access, copy it from a folder that has it: edgetpu-learn models pull mobilenet_v1_0\.25_128_quant --from DIR/);
      });
    } finally {
      good.server.close();
      bad.server.close();
    }
    // Nothing listens on the closed server's port any more.
    await withEnv({ EDGETPU_LEARN_CACHE: freshCache(), EDGETPU_LEARN_MODEL_MIRROR: good.base }, async () => {
      const r = await runCli('models', 'pull', SMALL);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/cannot download mobilenet_v1_0\.25_128_quant from .* \(connection refused\)/);
    });
  });

  it('bad usage exits 2; an unknown name exits 1 with suggestions', async function () {
    for (const argv of [['models'], ['models', 'frob'], ['models', 'pull'], ['models', 'pull', 'a', 'b'], ['models', 'list', 'x']]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
    const r = await runCli('models', 'pull', 'mobilenet_v1_0.25');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal("edgetpu-learn: no model named 'mobilenet_v1_0.25' in the catalog (did you mean mobilenet_v1_0.25_128_quant, mobilenet_v1_0.25_128_quant_edgetpu?); 'edgetpu-learn models list' shows them\n");
  });

  it('--from takes a file too; a label file missing beside it is a warning, the model is pulled', async function () {
    const cache = freshCache();
    const dir = join(tmp.path, 'lone');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'renamed.bin');
    copyFileSync(coralFile(this, `${SMALL}.tflite`), file);
    await withEnv({ EDGETPU_LEARN_CACHE: cache }, async () => {
      const r = await runCli('models', 'pull', `${SMALL}.tflite`, '--from', file);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`${SMALL}: ${file} -> ${join(cache, `${SMALL}.tflite`)}`);
      expect(r.stderr).to.equal(`warning: imagenet_labels (the labels of ${SMALL}) not pulled: ${dir} has no imagenet_labels.txt\n`);
      expect(existsSync(join(cache, `${SMALL}.tflite`))).to.equal(true);
    });
  });
});
