import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  loadImage,
  pilNearestIndices,
  placeImage,
  resizeArea,
  resizeNearest,
  toInputTensor,
  UnsupportedImageInputError,
  type ImageInputDetails,
  type RgbImage,
} from '../../src/image/index.js';
import type { RuntimeTensor } from '../../src/interpreter/tensor.js';
import { Model } from '../../src/tflite/index.js';
import { coralFile } from '../helpers/data.js';
import { prng, randInt } from '../helpers/prng.js';

/** Golden values from real Pillow, made by fixtures/pil-golden.py (see there). */
const golden = JSON.parse(readFileSync(new URL('./fixtures/pil-golden.json', import.meta.url), 'utf8')) as {
  generator: string;
  axis: [number, number, [number, number][]][];
  cover: [number, number, number, number, string][];
  images: Record<string, { size: [number, number]; rgb: string; nearest224: string; cover224: string; gray28: string }>;
};
const sha = (b: ArrayBufferView): string =>
  createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex').slice(0, 16);

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const input = (shape: number[], dtype = 'uint8', quantization: ImageInputDetails['quantization'] = null): ImageInputDetails => ({
  shape,
  dtype,
  quantization,
});
const quant = (scale: number, zeroPoint: number) => ({ scale: Float32Array.of(scale), zeroPoint: Int32Array.of(zeroPoint) });

describe('image/input-tensor', () => {
  describe("nearest resize, pixel-exact with PIL's Image.NEAREST", () => {
    it('picks the source pixel PIL picks, by hand-checked examples', () => {
      // PIL steps through source positions 0.5*s, 1.5*s, ... by repeated addition (s = src/dst)
      // and truncates each; a tie that floor((i+0.5)*s) would round up can come out below.
      const cases: [number, number, number[]][] = [
        [4, 2, [1, 3]], // halving: centres 1.0 and 3.0
        [3, 2, [0, 2]], // 0.75, 2.25
        [2, 4, [0, 0, 1, 1]], // doubling
        [3, 7, [0, 0, 1, 1, 1, 2, 2]], // upscaling by an odd ratio
        [2, 7, [0, 0, 0, 0, 1, 1, 1]], // position 3 is 1 - 2^-53 after three additions, so 0, not 1
        [10, 3, [1, 5, 8]], // 1.67, 5.0, 8.33
        [5, 5, [0, 1, 2, 3, 4]], // same size: identity
        [7, 1, [3]], // one output pixel takes the centre
      ];
      for (const [src, dst, expected] of cases) expect(Array.from(pilNearestIndices(src, dst)), `${src} -> ${dst}`).to.deep.equal(expected);
    });

    it(`matches Pillow on ${golden.axis.length} size pairs (${golden.generator})`, () => {
      let ties = 0;
      for (const [src, dst, exceptions] of golden.axis) {
        const expected = Array.from({ length: dst }, (_, i) => Math.floor(((2 * i + 1) * src) / (2 * dst)));
        for (const [i, v] of exceptions) expected[i] = v;
        ties += exceptions.length;
        expect(Array.from(pilNearestIndices(src, dst)), `${src} -> ${dst}`).to.deep.equal(expected);
      }
      expect(ties, 'the fixture has cases where the running sum and the closed formula differ').to.be.above(100);
    });

    it(`matches Pillow's ImageOps.fit (centre crop) on ${golden.cover.length} size pairs`, () => {
      for (const [w, h, W, H, hash] of golden.cover) {
        const { box } = placeImage(w, h, W, H, 'cover');
        const xs = Array.from(pilNearestIndices(w, W, box[0], box[2]));
        const ys = Array.from(pilNearestIndices(h, H, box[1], box[3]));
        expect(sha(new TextEncoder().encode(`${xs.join(',')}|${ys.join(',')}`)), `${w}x${h} -> ${W}x${H}`).to.equal(hash);
      }
    });

    it('moves whole pixels: every output pixel is a copy of the source pixel its indices name', () => {
      const rand = prng(3);
      const src = image(13, 9, () => [randInt(rand, 0, 255), randInt(rand, 0, 255), randInt(rand, 0, 255)]);
      const out = resizeNearest(src, 5, 11);
      const xs = pilNearestIndices(13, 5);
      const ys = pilNearestIndices(9, 11);
      for (let y = 0; y < 11; y++)
        for (let x = 0; x < 5; x++) {
          const s = (ys[y]! * 13 + xs[x]!) * 3;
          expect(Array.from(out.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3))).to.deep.equal(Array.from(src.data.subarray(s, s + 3)));
        }
    });

    for (const name of ['cat.bmp', 'cat_720p.jpg', 'grace_hopper.bmp', 'squat.bmp', 'imprinting/cat_test_0.bmp', 'imprinting/dog_train_0.bmp', 'rgb6X4.bmp']) {
      it(`gives pycoral's input for ${name}: PIL convert('RGB').resize((224, 224), NEAREST), ImageOps.fit, and 28x28 'L'`, async function () {
        const loaded = await loadImage(coralFile(this, name));
        const expected = golden.images[name]!;
        expect(sha(loaded.data)).to.equal(expected.rgb);
        expect(sha(await toInputTensor(loaded, input([1, 224, 224, 3])))).to.equal(expected.nearest224);
        expect(sha(await toInputTensor(loaded, input([1, 224, 224, 3]), { fit: 'cover' }))).to.equal(expected.cover224);
        expect(sha(await toInputTensor(loaded, input([1, 28, 28, 1])))).to.equal(expected.gray28);
        expect(sha(await toInputTensor(loaded, input([1, 28, 28])))).to.equal(expected.gray28);
      });
    }
  });

  describe('fit', () => {
    const wide = image(4, 2, (x, y) => [x * 10 + y, 100, 200]);

    it('fill stretches the whole image', async () => {
      const out = await toInputTensor(wide, input([1, 4, 4, 3]));
      // rows 0,1 come from source row 0; rows 2,3 from row 1
      expect(Array.from(out.subarray(0, 12))).to.deep.equal([0, 100, 200, 10, 100, 200, 20, 100, 200, 30, 100, 200]);
      expect(out[2 * 12]).to.equal(1);
    });

    it('cover crops the centre', async () => {
      const out = await toInputTensor(wide, input([1, 2, 2, 3]), { fit: 'cover' });
      expect(Array.from(out)).to.deep.equal([10, 100, 200, 20, 100, 200, 11, 100, 200, 21, 100, 200]);
    });

    it("contain scales to fit and pads right and bottom with black, like pycoral's set_resized_input", async () => {
      const contained = await toInputTensor(wide, input([1, 4, 4, 3]), { fit: 'contain' });
      expect(Array.from(contained.subarray(0, 24))).to.deep.equal([0, 100, 200, 10, 100, 200, 20, 100, 200, 30, 100, 200, 1, 100, 200, 11, 100, 200, 21, 100, 200, 31, 100, 200]);
      expect(Array.from(contained.subarray(24))).to.deep.equal(new Array(24).fill(0));
      // int8: the padding is a black pixel, -128, not the raw 0 (mid-gray).
      const int8 = await toInputTensor(wide, input([1, 4, 4, 3], 'int8'), { fit: 'contain' });
      expect(Array.from(int8.subarray(24))).to.deep.equal(new Array(24).fill(-128));
      const tall = await toInputTensor(image(2, 4, () => [9, 9, 9]), input([1, 4, 4, 1]), { fit: 'contain' });
      expect(Array.from(tall)).to.deep.equal([9, 9, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0]);
    });

    it('contain uses int(w * scale) like pycoral', () => {
      expect(placeImage(1000, 333, 224, 224, 'contain')).to.deep.include({ width: 224, height: 74 });
      expect(placeImage(341, 512, 224, 224, 'contain')).to.deep.include({ width: 149, height: 224 });
    });
  });

  describe('pixel values for each input type', () => {
    const ramp = image(256, 1, (x) => [x, x, x]);
    const values = async (details: ImageInputDetails, normalize?: { mean: number; std: number }): Promise<number[]> =>
      Array.from(await toInputTensor(ramp, details, { normalize })).filter((_, i) => i % 3 === 0);

    it('uint8: the raw pixel, whatever the quantization (as pycoral feeds it)', async () => {
      const expected = Array.from({ length: 256 }, (_, p) => p);
      expect(await values(input([1, 1, 256, 3], 'uint8', quant(1 / 128, 128)))).to.deep.equal(expected);
      expect(await values(input([1, 1, 256, 3], 'uint8', quant(1 / 255, 0)))).to.deep.equal(expected);
      expect(await values(input([1, 1, 256, 3], 'uint8'))).to.deep.equal(expected);
    });

    it('int8: pixel - 128', async () => {
      expect(await values(input([1, 1, 256, 3], 'int8', quant(1 / 128, 0)))).to.deep.equal(Array.from({ length: 256 }, (_, p) => p - 128));
    });

    it('float32: scale * (p - zero point) with quantization, (p - 128) / 128 without', async () => {
      const withQuant = await values(input([1, 1, 256, 3], 'float32', quant(1 / 255, 0)));
      withQuant.forEach((v, p) => expect(v).to.equal(Math.fround(Math.fround(1 / 255) * p)));
      const plain = await values(input([1, 1, 256, 3], 'float32'));
      plain.forEach((v, p) => expect(v).to.equal((p - 128) / 128));
      const empty = await values(input([1, 1, 256, 3], 'float32', { scale: new Float32Array(0), zeroPoint: new Int32Array(0) }));
      expect(empty).to.deep.equal(plain);
    });

    it('normalize: float gets (p - mean) / std', async () => {
      const out = await values(input([1, 1, 256, 3], 'float32'), { mean: 127.5, std: 127.5 });
      out.forEach((v, p) => expect(v).to.equal(Math.fround((p - 127.5) / 127.5)));
    });

    it("normalize: integer inputs are quantized as pycoral's classify_image.py does", async () => {
      // Matching parameters pass the raw pixel through.
      expect(await values(input([1, 1, 256, 3], 'uint8', quant(1 / 128, 128)), { mean: 128, std: 128 })).to.deep.equal(Array.from({ length: 256 }, (_, p) => p));
      // Otherwise q = trunc(clip((p - mean) / (std * scale) + zp, 0, 255)).
      const q = await values(input([1, 1, 256, 3], 'uint8', quant(0.02, 10)), { mean: 100, std: 1 });
      q.forEach((v, p) => expect(v, `p=${p}`).to.equal(Math.trunc(Math.min(255, Math.max(0, (p - 100) / Math.fround(0.02) + 10)))));
      expect(q[0]).to.equal(0);
      expect(q[255]).to.equal(255);
      const q8 = await values(input([1, 1, 256, 3], 'int8', quant(1 / 64, -3)), { mean: 128, std: 128 });
      q8.forEach((v, p) => expect(v, `p=${p}`).to.equal(Math.trunc(Math.min(127, Math.max(-128, (p - 128) / (128 * Math.fround(1 / 64)) - 3)))));
      expect(await values(input([1, 1, 256, 3], 'int8', quant(1 / 128, 0)), { mean: 128, std: 128 })).to.deep.equal(Array.from({ length: 256 }, (_, p) => p - 128));
    });

    it('grayscale inputs get PIL luma: (19595 R + 38470 G + 7471 B + 32768) >> 16', async () => {
      const colours = image(3, 1, (x) => [[255, 0, 0], [0, 255, 0], [10, 200, 77]][x] as [number, number, number]);
      expect(Array.from(await toInputTensor(colours, input([1, 1, 3, 1])))).to.deep.equal([76, 150, 129]);
    });
  });

  describe('other resize methods', () => {
    it('area averages whole blocks when shrinking by an integer factor', async () => {
      const src = image(4, 4, (x, y) => [x * 10 + y * 40, 7, x < 2 ? 0 : 255]);
      const out = resizeArea(src, 2, 2);
      // top-left block: (0 + 10 + 40 + 50) / 4 = 25; top-right (20+30+60+70)/4 = 45
      expect(Array.from(out.data)).to.deep.equal([25, 7, 0, 45, 7, 255, 105, 7, 0, 125, 7, 255]);
    });

    it('area weighs partly covered pixels by the part covered', () => {
      // 3 -> 2: output 0 covers [0, 1.5): (1 * a + 0.5 * b) / 1.5
      const src = image(3, 1, (x) => [[0, 90, 30][x]!, 0, 0]);
      expect(Array.from(resizeArea(src, 2, 1).data).filter((_, i) => i % 3 === 0)).to.deep.equal([30, 50]);
    });

    for (const method of ['bilinear', 'area', 'lanczos3'] as const) {
      it(`${method} keeps a flat colour flat, gives the input's size, and blends edges unlike nearest`, async () => {
        const flat = await toInputTensor(image(37, 23, () => [12, 200, 99]), input([1, 8, 16, 3]), { resize: method });
        expect(flat.length).to.equal(8 * 16 * 3);
        for (let i = 0; i < flat.length; i += 3) expect([flat[i], flat[i + 1], flat[i + 2]]).to.deep.equal([12, 200, 99]);
        const stripes = image(40, 4, (x) => (x % 2 ? [255, 255, 255] : [0, 0, 0]));
        const blended = await toInputTensor(stripes, input([1, 1, 10, 1]), { resize: method });
        const nearest = await toInputTensor(stripes, input([1, 1, 10, 1]));
        expect(Array.from(nearest).every((v) => v === 0 || v === 255)).to.equal(true);
        expect(Array.from(blended).every((v) => v > 60 && v < 195), `${method}: ${Array.from(blended).join(',')}`).to.equal(true);
      });
    }

    it('cover crops before a sharp resize too', async () => {
      const src = image(6, 2, (x) => (x < 2 || x >= 4 ? [255, 0, 0] : [0, 0, 255]));
      const out = await toInputTensor(src, input([1, 2, 2, 3]), { resize: 'bilinear', fit: 'cover' });
      for (let i = 0; i < out.length; i += 3) expect([out[i], out[i + 1], out[i + 2]]).to.deep.equal([0, 0, 255]);
    });
  });

  describe("models' own input details", () => {
    it('takes a TensorInfo from the model reader: the embedding extractor gets raw uint8 pixels', async function () {
      const model = await Model.load(coralFile(this, 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite'));
      const details = model.subgraph(0).inputTensors[0]!;
      expect(details.shape).to.deep.equal([1, 224, 224, 3]);
      expect(details.dtype).to.equal('uint8');
      expect(details.quantization!.zeroPoint[0]).to.equal(128);
      const cat = await loadImage(coralFile(this, 'cat.bmp'));
      const tensor = await toInputTensor(cat, details);
      expect(tensor).to.be.instanceOf(Uint8Array);
      expect(sha(tensor)).to.equal(golden.images['cat.bmp']!.nearest224);
    });

    it("takes the interpreter's RuntimeTensor (checked by the compiler)", () => {
      const accepts = (t: RuntimeTensor): ImageInputDetails => t;
      expect(accepts).to.be.a('function');
    });
  });

  describe('arguments', () => {
    const tiny = image(2, 2, () => [1, 2, 3]);

    it('writes into a given array', async () => {
      const out = new Int8Array(2 * 2 * 3);
      const result = await toInputTensor(tiny, input([1, 2, 2, 3], 'int8'), { out });
      expect(result).to.equal(out);
      expect(Array.from(out.subarray(0, 3))).to.deep.equal([-127, -126, -125]);
    });

    it('refuses inputs that are not images, with the shape or type in the message', async () => {
      const refuse = async (details: ImageInputDetails, pattern: RegExp, out?: Uint8Array): Promise<void> => {
        let caught: unknown;
        await toInputTensor(tiny, details, { out }).catch((e: unknown) => (caught = e));
        expect(caught).to.be.instanceOf(UnsupportedImageInputError);
        expect((caught as Error).message).to.match(pattern);
      };
      await refuse(input([1, 10]), /shape \[1, 10\], which is not an image input/);
      await refuse(input([2, 4, 4, 3]), /shape \[2, 4, 4, 3\]/);
      await refuse(input([1, 4, 4, 4]), /shape \[1, 4, 4, 4\]/);
      await refuse(input([1, 0, 4, 3]), /shape \[1, 0, 4, 3\]/);
      await refuse(input([1, 4, 4, 3], 'int32'), /input is int32; images can be fed to uint8, int8 or float32/);
      await refuse(input([1, 4, 4, 3], 'uint8'), /must be a uint8 array of 48 elements/, new Uint8Array(47));
      let caught: unknown;
      await toInputTensor(tiny, input([1, 4, 4, 3], 'uint8'), { normalize: { mean: 0, std: 1 } }).catch((e: unknown) => (caught = e));
      expect((caught as Error).message).to.match(/uint8 input has no quantization scale/);
    });
  });
});
