import { expect } from 'chai';
import { decodeImprintingRecord, encodeImprintingRecord, formatFixed6, formatTrainingMetadata, parseTrainingMetadata, samplesOf } from '../../src/learn/imprinting-metadata.js';

describe('learn: imprinting training metadata (model description)', function () {
  it('writes "%d %f\\n" lines in ascending class order', function () {
    expect(formatTrainingMetadata(new Map([[1, 2], [0, 1]]))).to.equal('0 1.000000\n1 2.000000\n');
    expect(formatTrainingMetadata(new Map())).to.equal('');
    expect(formatTrainingMetadata(new Map([[1003, Math.fround(1.9876543)]]))).to.equal('1003 1.987654\n');
  });

  it('formats like printf %f, ties to even included', function () {
    expect(formatFixed6(0.0078125)).to.equal('0.007812'); // exactly halfway: even
    expect(formatFixed6(0.0234375)).to.equal('0.023438'); // 23437.5 → even 23438
    expect(formatFixed6(1.5)).to.equal('1.500000');
    expect(formatFixed6(Math.fround(2.345678))).to.equal('2.345678');
    expect(formatFixed6(123.456789)).to.equal('123.456789');
  });

  it('parses what it writes', function () {
    const m = parseTrainingMetadata('0 1.000000\n1 2.000000\n');
    expect([...m.entries()]).to.deep.equal([[0, 1], [1, 2]]);
    const odd = parseTrainingMetadata('5 0.500000\n7');
    expect([...odd.entries()]).to.deep.equal([[5, 0.5]]); // an unpaired last token is ignored
  });

  it('a description that is not metadata means no imprinted classes', function () {
    expect(parseTrainingMetadata('MLIR Converted.').size).to.equal(0);
    expect(parseTrainingMetadata('TOCO Converted.').size).to.equal(0);
    expect(parseTrainingMetadata('').size).to.equal(0);
    expect(parseTrainingMetadata('0 1.0\n1 abc\n').size).to.equal(0); // one bad pair drops the whole map
  });

  it('our record round-trips and ignores foreign bytes', function () {
    const bytes = encodeImprintingRecord({ embeddingDim: 4, maxSamplesPerClass: 200, classes: { '0': { samples: 3, norm: '2.900000' } } });
    const r = decodeImprintingRecord(bytes)!;
    expect(r.classes['0']).to.deep.equal({ samples: 3, norm: '2.900000' });
    expect(decodeImprintingRecord(new TextEncoder().encode('{"format":"other"}'))).to.equal(undefined);
    expect(decodeImprintingRecord(Uint8Array.of(1, 2, 3))).to.equal(undefined);
  });

  it('sample counts come from the record when its norm matches, else from the norm', function () {
    const r = decodeImprintingRecord(encodeImprintingRecord({ embeddingDim: 4, maxSamplesPerClass: 200, classes: { '0': { samples: 7, norm: '2.900000' } } }))!;
    expect(samplesOf(0, Math.fround(2.9), r)).to.equal(7);
    // Retrained elsewhere (pycoral does not update our record): the norm no longer matches.
    expect(samplesOf(0, Math.fround(3.95), r)).to.equal(4);
    expect(samplesOf(1, Math.fround(1.0004), r)).to.equal(1);
    expect(samplesOf(1, 0.2, undefined)).to.equal(1);
  });
});
