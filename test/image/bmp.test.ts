import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeBmp, InvalidImageError, isBmp } from '../../src/image/index.js';
import { coralFile } from '../helpers/data.js';
import { prng, randInt } from '../helpers/prng.js';
import { encodeBmp, type BmpLayout } from './bmp-writer.js';

const golden = JSON.parse(readFileSync(new URL('./fixtures/pil-golden.json', import.meta.url), 'utf8')) as {
  images: Record<string, { size: [number, number]; rgb: string }>;
};
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

function randomImage(width: number, height: number, seed: number, colours?: readonly (readonly [number, number, number])[]): Uint8Array {
  const rand = prng(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const c = colours ? colours[randInt(rand, 0, colours.length - 1)]! : [randInt(rand, 0, 255), randInt(rand, 0, 255), randInt(rand, 0, 255)];
    rgb.set(c, i * 3);
  }
  return rgb;
}

function paletteOf(count: number, seed: number): [number, number, number][] {
  const rand = prng(seed);
  const seen = new Set<number>();
  const out: [number, number, number][] = [];
  while (out.length < count) {
    const c: [number, number, number] = [randInt(rand, 0, 255), randInt(rand, 0, 255), randInt(rand, 0, 255)];
    const key = (c[0] << 16) | (c[1] << 8) | c[2];
    if (!seen.has(key)) (seen.add(key), out.push(c));
  }
  return out;
}

/** What a channel of `bits` bits holds after our writer rounds v to it and a reader widens it back. */
function throughBits(v: number, max: number): number {
  return Math.floor((Math.round((v * max) / 255) * 255) / max);
}

function expectInvalid(fn: () => unknown, reason: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').to.be.instanceOf(InvalidImageError);
  const err = caught as InvalidImageError;
  expect(err.reason).to.equal(reason);
  expect(err.code).to.equal('INVALID_IMAGE');
  expect(err.message).to.match(/^test\.bmp: /);
  expect(err.message).to.match(pattern);
}

describe('image/bmp', () => {
  const widths = [1, 2, 3, 5, 7, 8, 13];

  const exactLayouts: [string, BmpLayout][] = [
    ['24-bit bottom-up', { bits: 24 }],
    ['24-bit top-down', { bits: 24, topDown: true }],
    ['24-bit OS/2 core header', { bits: 24, header: 12 }],
    ['24-bit V5 header', { bits: 24, header: 124 }],
    ['32-bit BGRX', { bits: 32, fourthByte: 0x5a }],
    ['32-bit BGRX top-down', { bits: 32, topDown: true, fourthByte: 0xff }],
    ['32-bit BI_BITFIELDS, BGRA masks', { bits: 32, masks: [0x00ff0000, 0x0000ff00, 0x000000ff] }],
    ['32-bit BI_BITFIELDS, RGBA masks (V4 header)', { bits: 32, masks: [0xff000000, 0x00ff0000, 0x0000ff00], header: 108 }],
  ];
  for (const [name, layout] of exactLayouts) {
    it(`decodes ${name} exactly, odd widths included`, () => {
      for (const width of widths) {
        const height = 3;
        const rgb = randomImage(width, height, width * 31 + layout.bits);
        const image = decodeBmp(encodeBmp(width, height, rgb, layout), { name: 'test.bmp' });
        expect([image.width, image.height]).to.deep.equal([width, height]);
        expect(Array.from(image.data), `width ${width}`).to.deep.equal(Array.from(rgb));
      }
    });
  }

  for (const bits of [1, 4, 8] as const) {
    it(`decodes ${bits}-bit palette images, odd widths included`, () => {
      const palette = paletteOf(bits === 8 ? 200 : 1 << bits, bits);
      for (const width of widths) {
        for (const topDown of [false, true]) {
          const rgb = randomImage(width, 4, width + bits, palette);
          const image = decodeBmp(encodeBmp(width, 4, rgb, { bits, palette, topDown }));
          expect(Array.from(image.data), `width ${width} topDown ${topDown}`).to.deep.equal(Array.from(rgb));
        }
      }
    });
  }

  it('decodes an 8-bit palette with the OS/2 core header (3-byte entries)', () => {
    const palette = paletteOf(256, 9);
    const rgb = randomImage(5, 3, 5, palette);
    expect(Array.from(decodeBmp(encodeBmp(5, 3, rgb, { bits: 8, palette, header: 12 })).data)).to.deep.equal(Array.from(rgb));
  });

  it('reads palette indices past the colour table as black', () => {
    const palette: [number, number, number][] = [[10, 20, 30], [40, 50, 60]];
    const bytes = encodeBmp(2, 1, new Uint8Array([10, 20, 30, 40, 50, 60]), { bits: 8, palette });
    bytes[bytes.length - 4 + 1] = 7; // second pixel: index 7 of a 2-colour table
    expect(Array.from(decodeBmp(bytes).data)).to.deep.equal([10, 20, 30, 0, 0, 0]);
  });

  for (const [name, layout, max] of [
    ['16-bit 5-5-5 (BI_RGB)', { bits: 16 }, [31, 31, 31]],
    ['16-bit 5-6-5 (BI_BITFIELDS)', { bits: 16, masks: [0xf800, 0x07e0, 0x001f] }, [31, 63, 31]],
  ] as [string, BmpLayout, number[]][]) {
    it(`decodes ${name}, widening each field as Pillow does`, () => {
      for (const width of widths) {
        const rgb = randomImage(width, 2, width);
        const image = decodeBmp(encodeBmp(width, 2, rgb, layout));
        const expected = Array.from(rgb, (v, i) => throughBits(v, max[i % 3]!));
        expect(Array.from(image.data), `width ${width}`).to.deep.equal(expected);
      }
    });
  }

  describe("Coral's test images", () => {
    for (const name of ['cat.bmp', 'rgb6X4.bmp', 'checker224X224.bmp', 'grace_hopper.bmp', 'imprinting/cat_train_0.bmp', 'imprinting/hotdog_train_1.bmp']) {
      it(`decodes ${name} to the same pixels as Pillow`, function () {
        const bytes = readFileSync(coralFile(this, name));
        expect(isBmp(bytes)).to.equal(true);
        const image = decodeBmp(bytes);
        expect([image.width, image.height]).to.deep.equal(golden.images[name]!.size);
        expect(sha(image.data)).to.equal(golden.images[name]!.rgb);
      });
    }

    it('decodes rgb6X4.bmp pixel by pixel (4 wide, 6 high, padded rows)', function () {
      const image = decodeBmp(readFileSync(coralFile(this, 'rgb6X4.bmp')));
      const [M, G, K, W] = [[255, 0, 255], [0, 255, 0], [0, 0, 0], [255, 255, 255]];
      const rows = [
        [M, M, G, G],
        [M, M, G, G],
        [M, M, G, G],
        [K, K, W, W],
        [K, K, W, W],
        [K, K, W, W],
      ];
      expect(Array.from(image.data)).to.deep.equal(rows.flat(2));
    });

    it('decodes checker224X224.bmp with the colours at its corners', function () {
      const image = decodeBmp(readFileSync(coralFile(this, 'checker224X224.bmp')));
      const at = (x: number, y: number): number[] => Array.from(image.data.subarray((y * 224 + x) * 3, (y * 224 + x) * 3 + 3));
      // Cross-checked with an independent bottom-up reader: file row 223 is image row 0.
      const raw = readFileSync(coralFile(this, 'checker224X224.bmp'));
      const fileAt = (x: number, y: number): number[] => {
        const p = 54 + (223 - y) * 224 * 3 + x * 3;
        return [raw[p + 2]!, raw[p + 1]!, raw[p]!];
      };
      for (const [x, y] of [[0, 0], [223, 0], [0, 223], [223, 223], [111, 112], [17, 200]] as const) expect(at(x, y)).to.deep.equal(fileAt(x, y));
    });
  });

  describe('bad files', () => {
    const good = (): Uint8Array => encodeBmp(3, 2, randomImage(3, 2, 1), { bits: 24 });
    const withHeader = (edit: (view: DataView) => void): Uint8Array => {
      const bytes = good();
      edit(new DataView(bytes.buffer));
      return bytes;
    };
    const decode = (bytes: Uint8Array, maxPixels?: number) => () => decodeBmp(bytes, { name: 'test.bmp', maxPixels });

    it('refuses an empty buffer', () => expectInvalid(decode(new Uint8Array(0)), 'empty', /empty/));
    it('refuses a file that is not a BMP', () => expectInvalid(decode(new Uint8Array([1, 2, 3])), 'unsupported', /not a BMP/));
    it('refuses a file cut inside its headers', () => {
      expectInvalid(decode(good().subarray(0, 10)), 'truncated', /cut short/);
      expectInvalid(decode(good().subarray(0, 30)), 'truncated', /cut short/);
    });
    it('refuses a file cut inside its pixels', () => expectInvalid(decode(good().subarray(0, good().length - 8)), 'truncated', /cut short.*needs \d+ bytes/));
    it('refuses a file cut inside its colour table', () => {
      const palette = paletteOf(256, 3);
      const bytes = encodeBmp(2, 2, randomImage(2, 2, 1, palette), { bits: 8, palette });
      expectInvalid(decode(bytes.subarray(0, 200)), 'truncated', /colour table|outside the file/);
    });
    it('refuses zero width and zero height', () => {
      expectInvalid(decode(withHeader((v) => v.setInt32(18, 0, true))), 'zero-size', /zero size/);
      expectInvalid(decode(withHeader((v) => v.setInt32(22, 0, true))), 'zero-size', /zero size/);
    });
    it('refuses a negative width', () => expectInvalid(decode(withHeader((v) => v.setInt32(18, -3, true))), 'corrupt', /negative width/));
    it('refuses RLE compression as unsupported, with what to do', () => {
      expectInvalid(decode(withHeader((v) => v.setUint32(30, 1, true))), 'unsupported', /RLE.*uncompressed BMP or as PNG/);
    });
    it('refuses unknown compression, bit depth and header size', () => {
      expectInvalid(decode(withHeader((v) => v.setUint32(30, 99, true))), 'corrupt', /compression/);
      expectInvalid(decode(withHeader((v) => v.setUint16(28, 7, true))), 'corrupt', /bit depth/);
      expectInvalid(decode(withHeader((v) => v.setUint32(14, 33, true))), 'corrupt', /header size/);
      expectInvalid(decode(withHeader((v) => v.setUint32(30, 3, true))), 'corrupt', /masks with 24 bits/);
    });
    it('refuses a pixel data offset outside the file', () => {
      expectInvalid(decode(withHeader((v) => v.setUint32(10, 1_000_000, true))), 'truncated', /outside the file/);
      expectInvalid(decode(withHeader((v) => v.setUint32(10, 20, true))), 'corrupt', /outside the file/);
    });
    it('refuses a decompression bomb from its header, before allocating', () => {
      // 100000 x 100000 x 24 bits would need 30 GB; the file is 60 bytes.
      const bomb = withHeader((v) => (v.setInt32(18, 100_000, true), v.setInt32(22, -100_000, true)));
      expectInvalid(decode(bomb), 'too-large', /100000x100000 = 10000000000 pixels, more than the limit of 67108864/);
      expectInvalid(decode(good(), 5), 'too-large', /3x2 = 6 pixels, more than the limit of 5/);
    });
    it('refuses a header that claims more pixels than the file holds', () => {
      expectInvalid(decode(withHeader((v) => v.setInt32(22, 4000, true))), 'truncated', /3x4000 at 24 bits needs/);
    });
    it('never throws anything but InvalidImageError on mutated files', () => {
      const rand = prng(77);
      const seeds: Uint8Array[] = [
        good(),
        encodeBmp(5, 3, randomImage(5, 3, 2, paletteOf(16, 1)), { bits: 4, palette: paletteOf(16, 1) }),
        encodeBmp(5, 3, randomImage(5, 3, 3), { bits: 32, masks: [0xff0000, 0xff00, 0xff] }),
        encodeBmp(4, 2, randomImage(4, 2, 4), { bits: 16 }),
      ];
      for (let i = 0; i < 3000; i++) {
        const bytes = seeds[i % seeds.length]!.slice(0, randInt(rand, 2, seeds[i % seeds.length]!.length));
        for (let k = randInt(rand, 1, 4); k > 0; k--) bytes[randInt(rand, 0, Math.min(bytes.length - 1, 70))] = randInt(rand, 0, 255);
        bytes[0] = 0x42;
        bytes[1] = 0x4d;
        try {
          const image = decodeBmp(bytes, { maxPixels: 1 << 20 });
          expect(image.data.length).to.equal(image.width * image.height * 3);
        } catch (e) {
          if (!(e instanceof InvalidImageError)) throw new Error(`case ${i}: ${String(e)}`);
        }
      }
    });
  });
});
