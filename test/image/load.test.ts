import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type CreateRaw, type Sharp } from 'sharp';
import { InvalidImageError, loadImage, type InvalidImageReason } from '../../src/image/index.js';
import { prng, randInt } from '../helpers/prng.js';
import { encodeBmp } from './bmp-writer.js';

const RED_ISH = { r: 200, g: 50, b: 20 };

function noise(width: number, height: number, seed: number, channels = 3): Uint8Array {
  const rand = prng(seed);
  return Uint8Array.from({ length: width * height * channels }, () => randInt(rand, 0, 255));
}

const raw = (data: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) =>
  sharp(data, { raw: { width, height, channels } });

async function expectInvalid(input: string | Uint8Array, reason: InvalidImageReason, pattern: RegExp): Promise<InvalidImageError> {
  let caught: unknown;
  try {
    await loadImage(input);
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').to.be.instanceOf(InvalidImageError);
  const err = caught as InvalidImageError;
  expect(err.reason, err.message).to.equal(reason);
  expect(err.message).to.match(pattern);
  if (typeof input === 'string') expect(err.message.startsWith(`${input}: `), err.message).to.equal(true);
  return err;
}

describe('image/load', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgetpu-learn-image-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  describe('formats', () => {
    const solid = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => [RED_ISH.r, RED_ISH.g, RED_ISH.b][i % 3]!);
    const encoders: [string, (s: Sharp) => Sharp, number][] = [
      ['JPEG', (s) => s.jpeg({ quality: 95 }), 6],
      ['PNG', (s) => s.png(), 0],
      ['WebP', (s) => s.webp({ quality: 95 }), 6],
      ['GIF', (s) => s.gif(), 4],
      ['TIFF', (s) => s.tiff(), 6],
      ['AVIF', (s) => s.avif({ quality: 90 }), 6],
    ];
    for (const [name, encode, tolerance] of encoders) {
      it(`loads ${name} from a file and from a buffer, with its size and colour`, async () => {
        const bytes = await encode(raw(solid, 5, 3)).toBuffer();
        const path = file(`solid.${name.toLowerCase()}`, bytes);
        for (const image of [await loadImage(path), await loadImage(new Uint8Array(bytes))]) {
          expect([image.width, image.height]).to.deep.equal([5, 3]);
          expect(image.data.length).to.equal(5 * 3 * 3);
          for (let i = 0; i < image.data.length; i += 3) {
            const [r, g, b] = image.data.subarray(i, i + 3);
            expect(Math.abs(r! - RED_ISH.r), `R of pixel ${i / 3}`).to.be.at.most(tolerance);
            expect(Math.abs(g! - RED_ISH.g), `G of pixel ${i / 3}`).to.be.at.most(tolerance);
            expect(Math.abs(b! - RED_ISH.b), `B of pixel ${i / 3}`).to.be.at.most(tolerance);
          }
        }
        expect((await loadImage(path)).source).to.equal(path);
        expect((await loadImage(bytes)).source).to.equal(undefined);
      });
    }

    it('loads lossless formats pixel for pixel', async () => {
      const pixels = noise(7, 5, 1);
      for (const encode of [(s: Sharp) => s.png(), (s: Sharp) => s.webp({ lossless: true }), (s: Sharp) => s.tiff({ compression: 'lzw' })]) {
        const image = await loadImage(await encode(raw(pixels, 7, 5)).toBuffer());
        expect(Array.from(image.data)).to.deep.equal(Array.from(pixels));
      }
    });

    it('loads BMP through its own decoder, with the file as source', async () => {
      const pixels = noise(3, 2, 2);
      const path = file('small.bmp', encodeBmp(3, 2, pixels, { bits: 24 }));
      const image = await loadImage(path);
      expect(Array.from(image.data)).to.deep.equal(Array.from(pixels));
      expect(image.source).to.equal(path);
    });

    it('expands grayscale to three equal channels', async () => {
      const gray = noise(4, 3, 3, 1);
      const image = await loadImage(await raw(gray, 4, 3, 1).png().toBuffer());
      expect(Array.from(image.data)).to.deep.equal(Array.from(gray).flatMap((v) => [v, v, v]));
    });

    it('drops alpha without compositing it (as PIL convert("RGB") does)', async () => {
      const rgba = noise(4, 3, 4, 4);
      const image = await loadImage(await raw(rgba, 4, 3, 4).png().toBuffer());
      expect(Array.from(image.data)).to.deep.equal(Array.from(rgba).filter((_, i) => i % 4 !== 3));
    });

    it('reduces 16-bit PNG to 8 bits', async () => {
      const png16 = await raw(new Uint8Array([255, 128, 0]), 1, 1).toColourspace('rgb16').png().toBuffer();
      expect((await sharp(png16).metadata()).depth).to.equal('ushort');
      expect(Array.from((await loadImage(png16)).data)).to.deep.equal([255, 128, 0]);
    });

    it('applies the EXIF orientation (6: rotate 90° clockwise), unless told not to', async () => {
      // 4x2: left half red, right half blue. Rotated clockwise it is 2x4, red on top.
      const pixels = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => {
        const x = Math.floor(i / 3) % 4;
        return i % 3 === 0 ? (x < 2 ? 255 : 0) : i % 3 === 2 ? (x < 2 ? 0 : 255) : 0;
      });
      const jpeg = await raw(pixels, 4, 2).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
      const upright = await loadImage(jpeg);
      expect([upright.width, upright.height]).to.deep.equal([2, 4]);
      expect(upright.data[0]).to.be.above(200); // top-left is red
      expect(upright.data[(3 * 2 + 1) * 3 + 2]).to.be.above(200); // bottom-right is blue
      const asStored = await loadImage(jpeg, { autoOrient: false });
      expect([asStored.width, asStored.height]).to.deep.equal([4, 2]);
    });

    it('reads the first frame of an animated GIF', async () => {
      const frames = new Uint8Array(2 * 2 * 3 * 2);
      frames.fill(255, 0, 12); // frame 1 white, frame 2 black
      const gif = await sharp(frames, { raw: { width: 2, height: 4, channels: 3, pageHeight: 2 } as CreateRaw }).gif().toBuffer();
      expect((await sharp(gif).metadata()).pages).to.equal(2);
      const image = await loadImage(gif);
      expect([image.width, image.height]).to.deep.equal([2, 2]);
      expect(Array.from(image.data)).to.deep.equal(new Array(12).fill(255));
    });
  });

  describe('bad inputs', () => {
    let png: Buffer;
    let jpeg: Buffer;
    before(async () => {
      png = await raw(noise(64, 64, 5), 64, 64).png().toBuffer();
      jpeg = await raw(noise(64, 64, 6), 64, 64).jpeg().toBuffer();
    });

    it('a missing file', async () => {
      await expectInvalid(join(dir, 'no-such.png'), 'unreadable', /cannot read the image: no such file/);
    });
    it('a folder', async () => {
      await expectInvalid(dir, 'unreadable', /not a file/);
    });
    it('an empty file and an empty buffer', async () => {
      await expectInvalid(file('empty.jpg', new Uint8Array(0)), 'empty', /empty/);
      const err = await expectInvalid(new Uint8Array(0), 'empty', /empty/);
      expect(err.message).to.match(/^<buffer>: /);
    });
    it('a file that is not an image', async () => {
      await expectInvalid(file('notes.jpg', new TextEncoder().encode('hello, not an image')), 'unsupported', /not an image format we can read \(use JPEG, PNG, WebP, GIF, TIFF, AVIF or BMP\)/);
    });
    it('a format sharp reads but we do not accept (SVG)', async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
      await expectInvalid(file('drawing.svg', new TextEncoder().encode(svg)), 'unsupported', /unsupported image format 'svg'/);
    });
    it('truncated PNG and JPEG files', async () => {
      await expectInvalid(file('cut.png', png.subarray(0, png.length >> 1)), 'truncated', /PNG image is truncated/);
      await expectInvalid(file('cut.jpg', jpeg.subarray(0, jpeg.length - 100)), 'truncated', /JPEG image is truncated/);
      await expectInvalid(file('cut-header.png', png.subarray(0, 20)), 'truncated', /truncated/);
    });
    it('a truncated JPEG is decoded when lenient, gray where the data is missing', async () => {
      const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
      const image = await loadImage(cut, { lenient: true });
      expect([image.width, image.height]).to.deep.equal([64, 64]);
      const last = image.data.subarray(image.data.length - 64 * 3);
      expect(last.every((v) => Math.abs(v - 128) <= 2), 'bottom row is gray').to.equal(true);
    });
    it('corrupt PNG and JPEG data', async () => {
      const badPng = Buffer.from(png);
      for (let i = 200; i < 240; i++) badPng[i] ^= 0x5a; // inside IDAT: the CRC no longer matches
      await expectInvalid(file('bad.png', badPng), 'corrupt', /corrupt/);
      const badJpeg = Buffer.from(jpeg);
      for (let i = jpeg.length >> 1; i < (jpeg.length >> 1) + 40; i++) badJpeg[i] ^= 0x5a;
      await expectInvalid(file('bad.jpg', badJpeg), 'corrupt', /corrupt/);
    });
    it('a PNG that declares zero width', async () => {
      await expectInvalid(file('zero.png', await pngWithSize(0, 10)), 'corrupt', /corrupt header\)$/);
    });
    it('a decompression bomb: a small PNG that declares 100000 x 100000 pixels', async () => {
      const bomb = await pngWithSize(100_000, 100_000);
      expect(bomb.length).to.be.below(100);
      await expectInvalid(file('bomb.png', bomb), 'too-large', /100000x100000 = 10000000000 pixels, more than the limit of 67108864/);
    });
    it('an image over a chosen pixel limit, for every decoder', async () => {
      for (const [name, bytes] of [['limit.png', png], ['limit.bmp', encodeBmp(64, 64, noise(64, 64, 1), { bits: 24 })]] as const) {
        const path = file(name, bytes);
        let caught: unknown;
        await loadImage(path, { maxPixels: 1000 }).catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(InvalidImageError);
        expect((caught as InvalidImageError).reason).to.equal('too-large');
        expect((caught as InvalidImageError).message).to.match(new RegExp(`^${path}: .*4096 pixels, more than the limit of 1000`));
      }
    });
    it('a file over the byte limit, refused before reading', async () => {
      const path = file('big.png', png);
      let caught: unknown;
      await loadImage(path, { maxBytes: 100 }).catch((e: unknown) => (caught = e));
      expect((caught as InvalidImageError).reason).to.equal('too-large');
      expect((caught as InvalidImageError).message).to.match(/bytes, more than the limit of 100/);
    });
    it('never fails with anything but InvalidImageError on mutated files', async () => {
      const rand = prng(99);
      const seeds = [png, jpeg, await raw(noise(16, 16, 7), 16, 16).webp().toBuffer(), await raw(noise(16, 16, 8), 16, 16).gif().toBuffer()];
      for (let i = 0; i < 120; i++) {
        const seed = seeds[i % seeds.length]!;
        const bytes = Buffer.from(seed.subarray(0, randInt(rand, 1, seed.length)));
        for (let k = randInt(rand, 0, 6); k > 0; k--) bytes[randInt(rand, 0, bytes.length - 1)] = randInt(rand, 0, 255);
        try {
          const image = await loadImage(bytes);
          expect(image.data.length).to.equal(image.width * image.height * 3);
        } catch (e) {
          if (!(e instanceof InvalidImageError)) throw new Error(`case ${i}: ${String(e)}`);
        }
      }
    });
  });
});

/** A real 1x1 PNG whose IHDR (CRC fixed up) claims another size: what a decompression bomb looks like. */
async function pngWithSize(width: number, height: number): Promise<Uint8Array> {
  const png = Buffer.from(await raw(new Uint8Array(3), 1, 1).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
