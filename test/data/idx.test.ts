import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvalidIdxError, parseIdx, readIdx, readIdxImageSet } from '../../src/data/index.js';
import { missing, SHARED } from '../helpers/data.js';

const FASHION = join(SHARED, 'datasets', 'fashion-mnist');

function fashionFile(ctx: Mocha.Context, name: string): string {
  const path = join(FASHION, name);
  if (!existsSync(path)) missing(ctx, path);
  return path;
}

/** An IDX file written by hand: header, then big-endian values. */
function idx(type: number, dims: number[], values: number[], size: number, put: (v: DataView, at: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => put(view, 4 + 4 * dims.length + i * size, x));
  return out;
}

async function expectInvalid(promise: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').to.be.instanceOf(InvalidIdxError);
  expect((caught as Error).message).to.match(pattern);
}

describe('data/idx', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'edgetpu-learn-idx-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every value type, big-endian, with its dims', () => {
    const u8 = parseIdx(idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255], 1, (v, a, x) => v.setUint8(a, x)));
    expect(u8).to.deep.include({ dims: [2, 3], dtype: 'uint8' });
    expect(Array.from(u8.data)).to.deep.equal([0, 1, 2, 253, 254, 255]);
    const i8 = parseIdx(idx(0x09, [3], [-128, 0, 127], 1, (v, a, x) => v.setInt8(a, x)));
    expect([i8.dtype, Array.from(i8.data)]).to.deep.equal(['int8', [-128, 0, 127]]);
    const i16 = parseIdx(idx(0x0b, [2], [-300, 1234], 2, (v, a, x) => v.setInt16(a, x, false)));
    expect([i16.dtype, Array.from(i16.data)]).to.deep.equal(['int16', [-300, 1234]]);
    const i32 = parseIdx(idx(0x0c, [1, 2], [-70000, 2 ** 31 - 1], 4, (v, a, x) => v.setInt32(a, x, false)));
    expect([i32.dtype, Array.from(i32.data)]).to.deep.equal(['int32', [-70000, 2 ** 31 - 1]]);
    const f32 = parseIdx(idx(0x0d, [2], [1.5, -0.25], 4, (v, a, x) => v.setFloat32(a, x, false)));
    expect([f32.dtype, Array.from(f32.data)]).to.deep.equal(['float32', [1.5, -0.25]]);
    const f64 = parseIdx(idx(0x0e, [1], [Math.PI], 8, (v, a, x) => v.setFloat64(a, x, false)));
    expect([f64.dtype, Array.from(f64.data)]).to.deep.equal(['float64', [Math.PI]]);
  });

  it('reads gzipped and plain files alike, detected by the gzip magic', async () => {
    const plain = idx(0x08, [4], [9, 8, 7, 6], 1, (v, a, x) => v.setUint8(a, x));
    for (const [name, bytes] of [['plain.idx', plain], ['packed.gz', gzipSync(plain)], ['no-extension', gzipSync(plain)]] as const) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      expect(Array.from((await readIdx(path)).data), name).to.deep.equal([9, 8, 7, 6]);
    }
    expect(Array.from((await readIdx(gzipSync(plain))).data)).to.deep.equal([9, 8, 7, 6]);
  });

  describe('bad files', () => {
    const good = idx(0x08, [2, 2], [1, 2, 3, 4], 1, (v, a, x) => v.setUint8(a, x));
    it('not IDX', () => expectInvalid(() => parseIdx(new TextEncoder().encode('P5 28 28'), 'x.idx'), /^x\.idx: not an IDX file: it starts with 50 35 20 32/));
    it('too short', () => expectInvalid(() => parseIdx(new Uint8Array([0, 0])), /too short/));
    it('unknown type', () => expectInvalid(() => parseIdx(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0)), /unknown IDX value type 0x0a/));
    it('no dims', () => expectInvalid(() => parseIdx(Uint8Array.of(0, 0, 8, 0)), /no dimensions/));
    it('header cut short', () => expectInvalid(() => parseIdx(good.subarray(0, 9)), /truncated: the header declares 2 dimensions/));
    it('data cut short', () => expectInvalid(() => parseIdx(good.subarray(0, good.length - 1)), /truncated: 2x2 uint8 needs 16 bytes, the file has 15/));
    it('extra bytes', () => expectInvalid(() => parseIdx(Uint8Array.of(...good, 0, 0)), /2 bytes more than 2x2 uint8 needs/));
    it('a header that claims billions of values', () => {
      const liar = Uint8Array.of(0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1);
      return expectInvalid(() => parseIdx(liar), /truncated: 4294967295x4294967295x4294967295 float64 needs/);
    });
    it('truncated and corrupt gzip', async () => {
      const packed = gzipSync(idx(0x08, [1000], new Array(1000).fill(7), 1, (v, a, x) => v.setUint8(a, x)));
      await expectInvalid(readIdx(packed.subarray(0, packed.length - 10)), /gzip data is truncated/);
      const corrupt = Uint8Array.from(packed);
      corrupt[12] ^= 0xff;
      corrupt[13] ^= 0xff;
      await expectInvalid(readIdx(corrupt), /gzip data is (corrupt|truncated)/);
    });
    it('a gzip bomb, stopped at the byte limit', async () => {
      const big = gzipSync(new Uint8Array(10_000_000));
      expect(big.length).to.be.below(20_000);
      await expectInvalid(readIdx(big, { maxBytes: 1_000_000 }), /decompresses to more than the limit of 1000000 bytes/);
    });
    it('a missing file', () => expectInvalid(readIdx(join(dir, 'nope.gz')), /nope\.gz: cannot read the file: no such file/));
    it('mismatched image and label files', async () => {
      const images = join(dir, 'images');
      const labels = join(dir, 'labels');
      writeFileSync(images, idx(0x08, [3, 2, 2], new Array(12).fill(0), 1, (v, a, x) => v.setUint8(a, x)));
      writeFileSync(labels, idx(0x08, [2], [0, 1], 1, (v, a, x) => v.setUint8(a, x)));
      await expectInvalid(readIdxImageSet(images, labels), /has 2 labels but .*images has 3 images/);
      await expectInvalid(readIdxImageSet(labels, labels), /expected N x H x W uint8 images, found 2 uint8/);
    });
  });

  describe('Fashion-MNIST', () => {
    it('reads the training set: 60000 images of 28x28 and their labels', async function () {
      const set = await readIdxImageSet(fashionFile(this, 'train-images-idx3-ubyte.gz'), fashionFile(this, 'train-labels-idx1-ubyte.gz'));
      expect([set.count, set.height, set.width]).to.deep.equal([60000, 28, 28]);
      expect(set.images.length).to.equal(60000 * 28 * 28);
      // First labels: ankle boot, T-shirt, T-shirt, dress, T-shirt, pullover, sneaker, ...
      expect(Array.from(set.labels.subarray(0, 20))).to.deep.equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9, 1, 0, 6, 4]);
      const counts = new Array(10).fill(0);
      for (const l of set.labels) counts[l]++;
      expect(counts).to.deep.equal(new Array(10).fill(6000));
      // Checked against Python's gzip module on the same file.
      expect(set.images.subarray(0, 784).reduce((a, b) => a + b, 0)).to.equal(76247);
      expect(createHash('sha256').update(set.images).digest('hex').slice(0, 16)).to.equal('2e487a6c89124f78');
    });

    it('reads the test set: 10000 images and labels', async function () {
      const set = await readIdxImageSet(fashionFile(this, 't10k-images-idx3-ubyte.gz'), fashionFile(this, 't10k-labels-idx1-ubyte.gz'));
      expect([set.count, set.height, set.width]).to.deep.equal([10000, 28, 28]);
      expect(Array.from(set.labels.subarray(0, 10))).to.deep.equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    });

    it('reads one file on its own with its dims', async function () {
      const labels = await readIdx(fashionFile(this, 't10k-labels-idx1-ubyte.gz'));
      expect(labels).to.deep.include({ dims: [10000], dtype: 'uint8' });
    });
  });
});
