import { expect } from 'chai';
import type { Layer } from '../../src/edgetpu/compiled-model/index.js';
import { applyCopyPlan } from '../../src/edgetpu/io/copy-plan.js';
import { stageInput, deviceInputBytes, tensorInputBytes } from '../../src/edgetpu/io/input-staging.js';
import { planOutputRelayout, tensorOutputBytes, deviceOutputBytes } from '../../src/edgetpu/io/output-relayout.js';
import { flipSignBits } from '../../src/edgetpu/io/sign-flip.js';
import { InvalidExecutableError } from '../../src/edgetpu/errors.js';
import { clampInt16Classifier, quantizeFloatClassifier } from '../../src/edgetpu/io/classifier-output.js';

function layer(over: Partial<Layer>): Layer {
  return {
    name: 'l',
    sizeBytes: 0,
    y: 1,
    x: 1,
    z: 1,
    zeroPoint: 0,
    dequantizationFactor: 1,
    dataType: 'FIXED_POINT8',
    elementSize: 1,
    signFlip: false,
    executionCount: 1,
    cacheOnDram: false,
    shape: null,
    tileLayout: null,
    shapeInfo: null,
    ...over,
  };
}

function relayout(l: Layer, device: Uint8Array): Uint8Array {
  const out = new Uint8Array(tensorOutputBytes(l));
  applyCopyPlan(planOutputRelayout(l), device, out);
  return out;
}

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

describe('edgetpu input and output layouts', function () {
  it('1-D outputs keep the first z elements of each execution slot', function () {
    const l = layer({ z: 1001, sizeBytes: 1008 });
    expect(Array.from(relayout(l, seq(1008)))).to.deep.equal(Array.from(seq(1001)));
    const twice = layer({ z: 5, sizeBytes: 8, executionCount: 2 });
    expect(Array.from(relayout(twice, Uint8Array.from([1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 8, 9, 10, 0, 0, 0])))).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('tiled 3-D outputs: the schema\'s 2×2-tile example (4×5×32, tiles of 2×3 and 2×2 positions)', function () {
    // Tile (ty, tx) holds y in [2ty, 2ty+1] and x in tx ? [3, 4] : [0, 2], row-major, at its byte offset.
    const tileOffsets = [0, 192, 320, 512];
    const device = new Uint8Array(640);
    const value = (y: number, x: number, z: number) => ((y * 5 + x) * 32 + z) & 0xff;
    for (let ty = 0; ty < 2; ty++) {
      for (let tx = 0; tx < 2; tx++) {
        let at = tileOffsets[ty * 2 + tx]!;
        for (let y = 2 * ty; y < 2 * ty + 2; y++) for (let x = tx ? 3 : 0; x <= (tx ? 4 : 2); x++) for (let z = 0; z < 32; z++) device[at++] = value(y, x, z);
      }
    }
    const l = layer({
      y: 4,
      x: 5,
      z: 32,
      sizeBytes: 640,
      tileLayout: {
        yToLinearTile: Int32Array.from([0, 0, 2, 2]),
        xToLinearTile: Int32Array.from([0, 0, 0, 1, 1]),
        tileByteOffset: Int32Array.from(tileOffsets),
        xToLocalByteOffset: Int32Array.from([0, 32, 64, 0, 32]),
        yToLocalY: Int32Array.from([0, 1, 0, 1]),
        xToLocalRowSize: Int32Array.from([96, 96, 96, 64, 64]),
      },
    });
    expect(Array.from(relayout(l, device))).to.deep.equal(Array.from({ length: 640 }, (_, i) => i & 0xff));
  });

  it('tiled outputs with z padded to 4 bytes (the worked 8×8×1 example: element (1, 3) at byte 28)', function () {
    // Two tiles side by side, each 8 rows × 4 columns × 4 bytes (z = 1 padded to 4).
    const l = layer({
      y: 8,
      x: 8,
      z: 1,
      sizeBytes: 256,
      tileLayout: {
        yToLinearTile: new Int32Array(8),
        xToLinearTile: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]),
        tileByteOffset: Int32Array.from([0, 128]),
        xToLocalByteOffset: Int32Array.from([0, 4, 8, 12, 0, 4, 8, 12]),
        yToLocalY: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]),
        xToLocalRowSize: new Int32Array(8).fill(16),
      },
    });
    const device = new Uint8Array(256);
    device[28] = 99; // (y 1, x 3): tile 0, row 1 (16 bytes), column 3 (12 bytes)
    device[128 + 2 * 16 + 4] = 77; // (y 2, x 5): tile 1
    const out = relayout(l, device);
    expect(out[1 * 8 + 3]).to.equal(99);
    expect(out[2 * 8 + 5]).to.equal(77);
    expect(out.reduce((a, b) => a + b, 0)).to.equal(99 + 77);
  });

  it('outputs sent as strided slices are copied into the packed layer shape', function () {
    // A 1×2×3×4 output sent as two slices split on x: x 0..1 with z padded to 8, then x 2 packed.
    const shape = [{ start: 0, end: 0 }, { start: 0, end: 1 }, { start: 0, end: 2 }, { start: 0, end: 3 }];
    const value = (y: number, x: number, z: number) => 1 + y * 12 + x * 4 + z;
    const device = new Uint8Array(64);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let z = 0; z < 4; z++) device[y * 16 + x * 8 + z] = value(y, x, z);
    for (let y = 0; y < 2; y++) for (let z = 0; z < 4; z++) device[40 + y * 4 + z] = value(y, 2, z);
    const l = layer({
      y: 2,
      x: 3,
      z: 4,
      sizeBytes: 64,
      shape,
      shapeInfo: {
        slices: [
          { layout: { shape: [shape[0]!, shape[1]!, { start: 0, end: 1 }, shape[3]!], strides: [32, 16, 8, 1] }, offsetBytes: 0 },
          { layout: { shape: [shape[0]!, shape[1]!, { start: 2, end: 2 }, shape[3]!], strides: [8, 4, 4, 1] }, offsetBytes: 40 },
        ],
      },
    });
    expect(Array.from(relayout(l, device))).to.deep.equal(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('a layout that points outside the device bytes is refused when the program is prepared', function () {
    const l = layer({ y: 2, x: 1, z: 4, sizeBytes: 8, tileLayout: { yToLinearTile: Int32Array.from([0, 0]), xToLinearTile: Int32Array.from([0]), tileByteOffset: Int32Array.from([0]), xToLocalByteOffset: Int32Array.from([0]), yToLocalY: Int32Array.from([0, 5]), xToLocalRowSize: Int32Array.from([4]) } });
    expect(() => planOutputRelayout(l)).to.throw(InvalidExecutableError, /points outside the 8 bytes/);
    expect(deviceOutputBytes(l)).to.equal(8);
  });

  it('inputs go to the start of their padded slot, signed ones with the top bit of each element flipped', function () {
    const l = layer({ y: 1, x: 1, z: 5, sizeBytes: 8 });
    const device = new Uint8Array(deviceInputBytes(l));
    stageInput(l, Uint8Array.from([1, 2, 3, 4, 5]), device);
    expect(Array.from(device)).to.deep.equal([1, 2, 3, 4, 5, 0, 0, 0]);
    const s8 = layer({ y: 1, x: 1, z: 3, sizeBytes: 4, dataType: 'SIGNED_FIXED_POINT8', signFlip: true, executionCount: 2 });
    const d8 = new Uint8Array(deviceInputBytes(s8));
    expect(tensorInputBytes(s8)).to.equal(6);
    stageInput(s8, Uint8Array.from([0x00, 0x7f, 0x80, 0xff, 0x01, 0x81]), d8);
    expect(Array.from(d8)).to.deep.equal([0x80, 0xff, 0x00, 0, 0x7f, 0x81, 0x01, 0]);
    const s16 = layer({ y: 1, x: 1, z: 2, sizeBytes: 4, dataType: 'SIGNED_FIXED_POINT16', elementSize: 2, signFlip: true });
    const d16 = new Uint8Array(4);
    stageInput(s16, Uint8Array.from([0x34, 0x12, 0xff, 0xff]), d16);
    expect(Array.from(d16)).to.deep.equal([0x34, 0x92, 0xff, 0x7f]);
    const back = Uint8Array.from(d16);
    flipSignBits(back, 2);
    expect(Array.from(back)).to.deep.equal([0x34, 0x12, 0xff, 0xff]);
  });

  it('float and 16-bit classifier outputs become uint8 as the vendor runtime makes them (truncate, clamp)', function () {
    const out = new Uint8Array(6);
    quantizeFloatClassifier(Float32Array.from([0.0105, 0.5, -0.0037, 3, 0.02999, 1]), 0.01, 1, out);
    // 0.0105/0.01 + 1 = 2.05 → 2; 51; -0.37 + 1 = 0.63 → 0; 301 → 255; 3.999 → 3; 101
    expect(Array.from(out)).to.deep.equal([2, 51, 0, 255, 3, 101]);
    clampInt16Classifier(Int16Array.from([-5, 0, 17, 255, 256, 32767]), out);
    expect(Array.from(out)).to.deep.equal([0, 0, 17, 255, 255, 255]);
  });
});
