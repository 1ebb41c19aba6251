import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { requireCoralData } from '../helpers/data.js';
import { renderPage, requireChromium, type RenderedPage } from './browser.js';
import { fashionMnistFolder, imprintingFolder, resultEvent, tempFolder } from './fixtures.js';

const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor';

/** What every report must be: one file that renders cleanly and fetches nothing. */
function expectSelfContained(html: string, page: RenderedPage): void {
  expect(page.errors, 'console errors').to.deep.equal([]);
  expect(page.requests, 'requests besides the page').to.deep.equal([]);
  expect(html).not.to.match(/<script|<link|<iframe|@import|url\(/i);
  expect(html.match(/(?:src|href)="(?!data:)[^"]*"/g) ?? [], 'references to other files').to.deep.equal([]);
  for (const img of page.images) expect(img, `image ${img.alt}`).to.deep.include({ complete: true }).and.to.have.property('naturalWidth').above(0);
  // A PNG screenshot of a real page, not a blank one.
  expect(page.screenshot.length).to.be.above(20_000);
}

describe('edgetpu-learn --report (rendered in headless Chromium)', function () {
  this.timeout(240_000);
  requireCoralData();
  const tmp = tempFolder('report');
  after(() => tmp.remove());

  it('imprint: accuracy, confusion matrix, per-class accuracy, the misclassified photo as a thumbnail, timings', async function () {
    requireChromium(this);
    // A dog photo filed under cat: the model (rightly) calls it a dog, so it is "misclassified".
    const data = imprintingFolder(this, join(tmp.path, 'photos'), {
      cat: { 'a_dog.bmp': 'dog_test_0', 'cat_test_0.bmp': 'cat_test_0', 'cat_train_0.bmp': 'cat_train_0' },
      dog: { 'dog_train_0.bmp': 'dog_train_0', 'dog_z.bmp': 'dog_test_0' },
      hotdog: { 'hotdog_test_0.bmp': 'hotdog_test_0', 'hotdog_train_0.bmp': 'hotdog_train_0', 'hotdog_train_1.bmp': 'hotdog_train_1' },
    });
    const report = join(tmp.path, 'imprint.html');
    const r = await runCli('imprint', '--model', EXTRACTOR, '--data', data, '--test-ratio', '0.4', '--output', join(tmp.path, 'm.tflite'), '--report', report, '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = resultEvent<{ report: string; evaluation: { misclassified: { image: string; label: string; predicted: string }[] } }>(r.stdout);
    expect(result.report).to.equal(report);
    expect(result.evaluation.misclassified).to.have.length(1);
    expect(result.evaluation.misclassified[0]).to.deep.include({ image: join(data, 'cat', 'a_dog.bmp'), label: 'cat', predicted: 'dog' });

    const html = readFileSync(report, 'utf8');
    const page = await renderPage(report);
    writeFileSync(join(tmp.path, 'imprint.png'), page.screenshot);
    expectSelfContained(html, page);
    expect(page.headings).to.deep.equal(['edgetpu-learn imprint', 'Summary', 'Test accuracy', 'Confusion matrix', 'Per-class accuracy', 'Misclassified images', 'Timings']);
    expect(page.svgs).to.equal(1);
    expect(page.images.map((i) => i.alt)).to.deep.equal(['a_dog.bmp']);
    expect(html).to.match(/<img src="data:image\/jpeg;base64,[A-Za-z0-9+/=]{200,}"/);
    expect(page.text).to.include('66.67%'); // top-1: 2 of 3
    expect(page.text).to.match(/cat\s*→\s*dog/);
    expect(page.text).to.include('1 of 3 test images');
    expect(html).to.include('<title>true cat, predicted dog: 1 of 1</title>');
  });

  it('backprop: loss and accuracy curves, confusion matrix, per-class accuracy, timings', async function () {
    requireChromium(this);
    const data = await fashionMnistFolder(this, join(tmp.path, 'fashion'), [1, 8], 10);
    const report = join(tmp.path, 'backprop.html');
    const r = await runCli('backprop', '--extractor', EXTRACTOR, '--data', data, '--validation-ratio', '0.2', '--test-ratio', '0.2', '--iterations', '100', '--seed', '5', '--output', join(tmp.path, 'b.tflite'), '--report', report);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`report: ${report}`);
    const html = readFileSync(report, 'utf8');
    const page = await renderPage(report);
    writeFileSync(join(tmp.path, 'backprop.png'), page.screenshot);
    expectSelfContained(html, page);
    expect(page.headings).to.deep.equal(['edgetpu-learn backprop', 'Summary', 'Test accuracy', 'Training', 'Confusion matrix', 'Per-class accuracy', 'Misclassified images', 'Timings']);
    expect(page.svgs).to.equal(3);
    // 100 iterations reported every iteration: a loss curve of 100 points.
    const lossPath = /<path d="(M[^"]+)" fill="none" stroke="#c0392b"/.exec(html);
    expect(lossPath?.[1]?.split(' ').length).to.equal(100);
    expect(html).to.include('validation accuracy');
    expect(page.text).to.match(/seed 5/);
  });
});
