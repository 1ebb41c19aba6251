import { expect } from 'chai';
import * as flex from 'flatbuffers/mjs/flexbuffers.js';
import { FlexBufferError, FlexRef, FlexType } from '../../src/edgetpu/compiled-model/flexbuffer.js';
import { prng } from '../helpers/prng.js';

// The flatbuffers package's own encoder writes the buffers: an independent oracle for the reader.
const blob = (bytes: number[]) => new DataView(Uint8Array.from(bytes).buffer);

describe('edgetpu FlexBuffer reader', function () {
  it('reads ints of every width, signed and unsigned', function () {
    for (const v of [0, 1, -1, 127, -128, 300, -300, 70000, -70000, 2 ** 40, -(2 ** 40)]) {
      expect(FlexRef.root(flex.encode(v)).asInt(), String(v)).to.equal(v);
    }
    const b = flex.builder();
    b.startVector();
    b.addUInt(5);
    b.addUInt(2 ** 33);
    b.addInt(-7, true);
    b.addUInt(9, true);
    b.add(true);
    b.end();
    expect(FlexRef.root(b.finish()).asVector().map((r) => r.asInt())).to.deep.equal([5, 2 ** 33, -7, 9, 1]);
  });

  it('reads strings, blobs, typed and untyped vectors and maps, the way the Edge TPU options use them', function () {
    const bytes = Array.from({ length: 300 }, (_, i) => i % 251);
    const root = FlexRef.root(flex.encode({ '1': 0, '2': 'beagle', '4': blob(bytes), '5': -1, '6': [18], '7': [], x: [1, 'two', [3]] }));
    expect(root.type).to.equal(FlexType.Map);
    const m = root.asMap();
    expect([...m.keys()]).to.deep.equal(['1', '2', '4', '5', '6', '7', 'x']);
    expect(m.get('1')!.asInt()).to.equal(0);
    expect(m.get('2')!.asString()).to.equal('beagle');
    expect(Array.from(m.get('4')!.asBytes())).to.deep.equal(bytes);
    expect(m.get('5')!.asInt()).to.equal(-1);
    expect(m.get('6')!.asVector().map((r) => r.asInt())).to.deep.equal([18]);
    expect(m.get('7')!.asVector()).to.deep.equal([]);
    const x = m.get('x')!.asVector();
    expect([x[0]!.asInt(), x[1]!.asString(), x[2]!.asVector()[0]!.asInt()]).to.deep.equal([1, 'two', 3]);
  });

  it('reads a large blob with wide offsets as a view, not a copy', function () {
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const buf = flex.encode({ '4': new DataView(big.buffer) });
    const got = FlexRef.root(buf).asMap().get('4')!.asBytes();
    expect(got.length).to.equal(big.length);
    expect(got.buffer).to.equal(buf.buffer);
    expect(Buffer.compare(got, big)).to.equal(0);
  });

  it('says which type it found when asked for another', function () {
    expect(() => FlexRef.root(flex.encode('s')).asInt()).to.throw(FlexBufferError, /expected an integer, found a string/);
    expect(() => FlexRef.root(flex.encode(3)).asMap()).to.throw(FlexBufferError, /expected a map, found a int/);
    expect(() => FlexRef.root(flex.encode([1])).asBytes()).to.throw(FlexBufferError, /expected a string or blob, found a vector/);
  });

  it('never reads outside the buffer, whatever the bytes', function () {
    const good = flex.encode({ '1': 0, '4': blob(Array.from({ length: 600 }, (_, i) => i & 0xff)), '6': [18], s: 'hello' });
    const rand = prng(11);
    let failures = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const b = Uint8Array.from(good);
      for (let k = 0; k < 1 + (trial % 4); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = trial % 3 === 0 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      try {
        const m = FlexRef.root(cut).asMap();
        for (const v of m.values()) {
          if (v.type === FlexType.Blob || v.type === FlexType.String) v.asBytes();
          else if (v.type === FlexType.Int) v.asInt();
        }
      } catch (e) {
        expect(e, String(e)).to.be.instanceOf(FlexBufferError);
        failures++;
      }
    }
    expect(failures).to.be.above(100);
  });
});
