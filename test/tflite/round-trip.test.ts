import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ByteBuffer } from 'flatbuffers';
import { Model, fb } from '../../src/tflite/index.js';
import { CORAL_TEST_DATA, coralFile, coralModels, requireCoralData } from '../helpers/data.js';
import { plain } from '../helpers/plain.js';
import { referenceRun } from '../helpers/tflite-oracle.js';

/** Models real TFLite cannot run: they hold custom ops it does not know. */
const needsCustomOp = (bytes: Uint8Array): boolean => Model.fromBuffer(bytes).operatorCodes.some((c) => c.customCode !== null);

describe('TFLite model round trip', function () {
  requireCoralData();
  const models = coralModels();

  for (const name of models) {
    describe(name, function () {
      let original: Uint8Array;
      let rewritten: Uint8Array;
      before(function () {
        original = readFileSync(coralFile(this as unknown as Mocha.Context, name));
        rewritten = Model.fromBuffer(original).toBuffer();
      });

      it('re-parses to an equal object tree', function () {
        const a = plain(Model.fromBuffer(original).raw);
        const b = plain(Model.fromBuffer(rewritten).raw);
        expect(b).to.deep.equal(a);
      });

      it('reads every field the generated unpack() reads', function () {
        const full = fb.Model.getRootAsModel(new ByteBuffer(original)).unpack();
        expect(plain(Model.fromBuffer(original).raw)).to.deep.equal(plain(full));
      });

      it('keeps constant data 16-byte aligned', function () {
        const m = Model.fromBuffer(rewritten);
        for (let i = 0; i < m.bufferCount; i++) {
          const d = m.bufferData(i);
          if (d.length > 0) expect((d.byteOffset - rewritten.byteOffset) % 16, `buffer ${i}`).to.equal(0);
        }
      });

      // Real TFLite cannot resolve edgetpu-custom-op and other custom ops: no oracle for those.
      if (needsCustomOp(readFileSync(`${CORAL_TEST_DATA}/${name}`))) return;
      it('gives byte-identical outputs in real TFLite', function () {
        for (const input of ['pattern', 'fill'] as const) {
          const inputsOf = (bytes: Uint8Array): Uint8Array[] | 'pattern' =>
            input === 'pattern' ? 'pattern' : Model.fromBuffer(bytes).subgraph().inputTensors.map((t) => new Uint8Array(t.shape.reduce((a, d) => a * d, 1) * (t.dtype === 'float32' || t.dtype === 'int32' ? 4 : 1)).fill(128));
          const before = referenceRun(original, inputsOf(original));
          const after = referenceRun(rewritten, inputsOf(rewritten));
          expect(after.outputs.length).to.equal(before.outputs.length);
          after.outputs.forEach((o, k) => {
            expect(o.shape, `output ${k} shape`).to.deep.equal(before.outputs[k]!.shape);
            expect(Buffer.from(o.bytes).equals(Buffer.from(before.outputs[k]!.bytes)), `output ${k} (${input} input) differs`).to.equal(true);
          });
        }
      });
    });
  }
});
