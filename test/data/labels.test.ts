import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels, InvalidLabelsError, parseLabels, readLabels, writeLabels } from '../../src/data/index.js';
import { coralFile } from '../helpers/data.js';

/**
 * Label file texts and what pycoral's read_label_file (pycoral/utils/dataset.py) returns
 * for them, sorted by id. The expected values were produced by running that function.
 */
const PYCORAL_CASES: [string, [number, string][]][] = [
  ["0 cat\n1 dog\n", [[0, "cat"], [1, "dog"]]],
  ["0:cat\n1:dog", [[0, "cat"], [1, "dog"]]],
  ["0    cat\n1\t\tdog\n", [[0, "cat"], [1, "dog"]]],
  ["cat\ndog\nhot dog\n", [[0, "cat"], [1, "dog"], [2, "hot dog"]]],
  ["0 cat\n1 dog\n\n", [[0, "cat"], [1, "dog"], [2, ""]]],
  ["0 cat\n\n2 dog\n", [[0, "cat"], [1, ""], [2, "dog"]]],
  ["2 c\n0 a\n\n", [[0, "a"], [2, ""]]],
  ["\n\ncat\n", [[0, ""], [1, ""], [2, "cat"]]],
  ["0 : cat\n1:: dog\n", [[0, "cat"], [1, "dog"]]],
  ["0 hot dog\n1  hot  dog  \n", [[0, "hot dog"], [1, "hot  dog"]]],
  ["background\ntench, Tinca tinca\ngoldfish, Carassius auratus\n", [[0, "background"], [1, "tench, Tinca tinca"], [2, "goldfish, Carassius auratus"]]],
  ["0 cat\r\n1 dog\r\n", [[0, "cat"], [1, "dog"]]],
  ["0 cat\r1 dog\r", [[0, "cat"], [1, "dog"]]],
  [":cat\n7up\n7 up\n", [[0, ":cat"], [1, "7up"], [7, "up"]]],
  ["  5   five  \n", [[5, "five"]]],
  ["007 bond\n", [[7, "bond"]]],
  ["1001 cat\n1002 dog\n", [[1001, "cat"], [1002, "dog"]]],
  ["0\n1\n", [[0, "0"], [1, "1"]]],
  ["a:b\n", [[0, "a:b"]]],
  ["0 x\n0 y\n", [[0, "y"]]],
  ["0 \u00e9t\u00e9\n1 \u65e5\u672c\n", [[0, "\u00e9t\u00e9"], [1, "\u65e5\u672c"]]],
  ["0\u00a0nbsp\n", [[0, "nbsp"]]],
  ["0\u2028sep\n", [[0, "sep"]]],
  ["0 cat", [[0, "cat"]]],
  ["", []],];

const sorted = (m: Map<number, string>): [number, string][] => [...m.entries()].sort((a, b) => a[0] - b[0]);

describe('data/labels', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'edgetpu-learn-labels-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`reads ${PYCORAL_CASES.length} label files exactly as pycoral's read_label_file does`, () => {
    for (const [text, expected] of PYCORAL_CASES) expect(sorted(parseLabels(text)), JSON.stringify(text)).to.deep.equal(expected);
  });

  it('ignores a leading byte-order mark', () => {
    expect(sorted(parseLabels('\ufeff0 cat\n1 dog\n'))).to.deep.equal([[0, 'cat'], [1, 'dog']]);
  });

  it("reads Coral's ImageNet labels (one per line, 'background' first) and Pascal VOC labels", async function () {
    const imagenet = await readLabels(coralFile(this, 'imagenet_labels.txt'));
    expect(imagenet.size).to.equal(1001);
    expect(imagenet.get(0)).to.equal('background');
    expect(imagenet.get(1)).to.equal('tench, Tinca tinca');
    const voc = await readLabels(coralFile(this, 'pascal_voc_segmentation_labels.txt'));
    expect([voc.get(0), voc.get(1)]).to.deep.equal(['background', 'aeroplane']);
  });

  it('refuses ids too large to hold exactly', () => {
    expect(() => parseLabels('0 a\n99999999999999999999 b\n')).to.throw(InvalidLabelsError, /label id 99999999999999999999 on line 2 is too large/);
  });

  it('says which file it cannot read', async () => {
    let caught: unknown;
    await readLabels(join(dir, 'missing.txt')).catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(InvalidLabelsError);
    expect((caught as Error).message).to.match(/cannot read label file .*missing\.txt: no such file/);
  });

  describe('writing', () => {
    it("writes 'id label' lines, ids ascending", () => {
      expect(formatLabels(['cat', 'dog', 'hot dog'])).to.equal('0 cat\n1 dog\n2 hot dog\n');
      expect(formatLabels(new Map([[5, 'five'], [2, 'two']]))).to.equal('2 two\n5 five\n');
    });

    it('offsets ids by firstId: the new classes of a keepClasses model, after 1001 base classes', () => {
      expect(formatLabels(['cat', 'dog'], { firstId: 1001 })).to.equal('1001 cat\n1002 dog\n');
      expect(sorted(parseLabels(formatLabels(new Map([[0, 'cat'], [1, 'dog']]), { firstId: 1001 })))).to.deep.equal([[1001, 'cat'], [1002, 'dog']]);
    });

    it('round-trips through the reader, including labels with spaces, colons, digits and non-ASCII', () => {
      const labels = new Map([[0, 'cat'], [1, 'hot  dog'], [2, 'a:b'], [3, '7 up'], [4, '\u65e5\u672c'], [10, 'tench, Tinca tinca'], [11, 'x\ty']]);
      expect(sorted(parseLabels(formatLabels(labels)))).to.deep.equal(sorted(labels));
    });

    it('refuses labels that would not read back the same', () => {
      for (const [label, why] of [['', /is empty/], ['two\nlines', /line break/], ['cr\rhere', /line break/], [' padded', /white space/], ['tab\t', /white space/], [':)', /starts with ':'/]] as const) {
        expect(() => formatLabels([label]), JSON.stringify(label)).to.throw(InvalidLabelsError, why);
      }
      expect(() => formatLabels(['a'], { firstId: -1 })).to.throw(InvalidLabelsError, /firstId must be a non-negative integer/);
      expect(() => formatLabels(new Map([[-2, 'a']]))).to.throw(InvalidLabelsError, /non-negative integer, got -2/);
    });

    it('writes a file that readLabels reads back', async () => {
      const path = join(dir, 'labels.txt');
      await writeLabels(path, ['daffodil', 'snowdrop'], { firstId: 3 });
      expect(readFileSync(path, 'utf8')).to.equal('3 daffodil\n4 snowdrop\n');
      expect(sorted(await readLabels(path))).to.deep.equal([[3, 'daffodil'], [4, 'snowdrop']]);
      writeFileSync(path, '0:cat\n1:dog\n');
      expect(sorted(await readLabels(path))).to.deep.equal([[0, 'cat'], [1, 'dog']]);
    });
  });
});
