import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compareCodePoints, DatasetError, ImageDataset, loadImageFolder } from '../../src/data/index.js';

/** Makes a folder tree: each key a relative path, ending in '/' for a folder. */
function tree(root: string, paths: string[]): void {
  for (const p of paths) {
    if (p.endsWith('/')) mkdirSync(join(root, p), { recursive: true });
    else {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), 'x');
    }
  }
}

async function expectDatasetError(promise: Promise<unknown> | (() => unknown), code: string, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').to.be.instanceOf(DatasetError);
  expect((caught as DatasetError).code).to.equal(code);
  expect((caught as Error).message).to.match(pattern);
}

const names = (d: ImageDataset): string[] => d.items.map((i) => `${d.classNames[i.label]}/${basename(i.path)}`);

/** A dataset of `counts[c]` images per class, named c/00.jpg ... */
function synthetic(counts: number[]): ImageDataset {
  const classNames = counts.map((_, c) => `class${c}`);
  const items = counts.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ path: `/d/class${label}/${String(i).padStart(2, '0')}.jpg`, label })));
  return new ImageDataset(classNames, items);
}

describe('data/image-folder', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'edgetpu-learn-folder-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives class ids by sorted folder name and sorts files, by extension, any case', async () => {
    tree(root, ['zebra/b.PNG', 'zebra/a.jpg', 'Apple/3.jpeg', 'Apple/10.bmp', 'apple/x.webp', 'mango/1.TIF', 'mango/notes.txt', 'mango/2.avif']);
    const data = await loadImageFolder(root);
    // Code-point order: upper case before lower case, '1' before '3'.
    expect(data.classNames).to.deep.equal(['Apple', 'apple', 'mango', 'zebra']);
    expect(names(data)).to.deep.equal(['Apple/10.bmp', 'Apple/3.jpeg', 'apple/x.webp', 'mango/1.TIF', 'mango/2.avif', 'zebra/a.jpg', 'zebra/b.PNG']);
    expect(data.items.map((i) => i.label)).to.deep.equal([0, 0, 1, 2, 2, 3, 3]);
    expect(data.items[0]!.path).to.equal(join(root, 'Apple', '10.bmp'));
    expect(data.classCounts()).to.deep.equal([2, 1, 2, 2]);
    expect(data.size).to.equal(7);
  });

  it('skips hidden files and folders, nested folders, loose files at the root, and broken links', async () => {
    tree(root, ['cat/1.jpg', 'cat/.hidden.jpg', 'cat/.thumbs/2.jpg', 'cat/sub/3.jpg', '.git/4.jpg', 'README.md', 'loose.jpg', 'dog/5.jpg']);
    symlinkSync(join(root, 'nowhere.jpg'), join(root, 'dog', '6.jpg'));
    symlinkSync(join(root, 'cat'), join(root, 'kitten')); // a linked class folder counts
    const data = await loadImageFolder(root);
    expect(data.classNames).to.deep.equal(['cat', 'dog', 'kitten']);
    expect(names(data)).to.deep.equal(['cat/1.jpg', 'dog/5.jpg', 'kitten/1.jpg']);
  });

  it('takes the extensions it is given, with or without a dot', async () => {
    tree(root, ['a/1.jpg', 'a/2.raw', 'b/3.RAW']);
    expect(names(await loadImageFolder(root, { extensions: ['raw'] }))).to.deep.equal(['a/2.raw', 'b/3.RAW']);
    expect(names(await loadImageFolder(root, { extensions: ['.RAW', '.jpg'] }))).to.deep.equal(['a/1.jpg', 'a/2.raw', 'b/3.RAW']);
  });

  it('orders names by code point, as Python sorts them', () => {
    const list = ['b', 'a', 'B', '\u{1F600}', '\uFF21', 'ab', 'a\u00e9', '10', '9'];
    expect(list.slice().sort(compareCodePoints)).to.deep.equal(['10', '9', 'B', 'a', 'ab', 'a\u00e9', 'b', '\uFF21', '\u{1F600}']);
    // JavaScript's default sort puts the astral character first among these two; Python does not.
    expect(['\u{1F600}', '\uFF21'].sort()).to.deep.equal(['\u{1F600}', '\uFF21']);
  });

  describe('errors', () => {
    it('a missing folder', () => expectDatasetError(loadImageFolder(join(root, 'nope')), 'DATASET_NOT_FOUND', /dataset folder .*nope does not exist/));
    it('a file instead of a folder', () => {
      tree(root, ['file.jpg']);
      return expectDatasetError(loadImageFolder(join(root, 'file.jpg')), 'DATASET_NOT_FOUND', /is not a folder/);
    });
    it('no class sub-folders, saying how to lay them out', async () => {
      await expectDatasetError(loadImageFolder(root), 'DATASET_NO_CLASSES', /has no class sub-folders: put the images of each class in a sub-folder named after the class/);
      tree(root, ['1.jpg', '2.png', '.hidden/']);
      await expectDatasetError(loadImageFolder(root), 'DATASET_NO_CLASSES', /no class sub-folders \(it holds 2 images directly\)/);
    });
    it('a class with no images', () =>
      (tree(root, ['cat/1.jpg', 'dog/readme.txt', 'dog/.x.jpg']),
      expectDatasetError(loadImageFolder(root), 'DATASET_EMPTY_CLASS', /class folder .*dog has no images \(looked for \.jpg, \.jpeg/)));
  });

  describe('split', () => {
    it("fixed order: the first max(floor(ratio * n), 1) files of each class go to test (pycoral's rule)", () => {
      const data = synthetic([80, 10, 3, 2, 7]);
      const { train, test } = data.split({ testRatio: 0.25, fixedOrder: true });
      // 80 -> 20 (Oxford-17 flowers in pycoral's evaluation), 10 -> 2, 3 -> max(0, 1) = 1, 2 -> 1, 7 -> 1
      expect(test.classCounts()).to.deep.equal([20, 2, 1, 1, 1]);
      expect(train.classCounts()).to.deep.equal([60, 8, 2, 1, 6]);
      expect(names(test).slice(0, 3)).to.deep.equal(['class0/00.jpg', 'class0/01.jpg', 'class0/02.jpg']);
      expect(names(test)).to.include.members(['class0/19.jpg', 'class1/00.jpg', 'class1/01.jpg', 'class2/00.jpg']);
      expect(names(train)[0]).to.equal('class0/20.jpg');
      expect(test.classNames).to.equal(data.classNames);
    });

    it('uses the float product as Python does: int(0.29 * 100) is 28', () => {
      expect(synthetic([100]).split({ testRatio: 0.29, fixedOrder: true }).test.size).to.equal(28);
      expect(synthetic([10]).split({ testRatio: 0.3, fixedOrder: true }).test.size).to.equal(3);
    });

    it('seeded: stratified per class, repeatable, different for another seed, a partition of the data', () => {
      const data = synthetic([40, 12, 5]);
      const a = data.split({ testRatio: 0.25, seed: 7 });
      const b = data.split({ testRatio: 0.25, seed: 7 });
      const c = data.split({ testRatio: 0.25, seed: 8 });
      expect(a.test.classCounts()).to.deep.equal([10, 3, 1]);
      expect(names(a.test)).to.deep.equal(names(b.test));
      expect(names(a.test)).to.not.deep.equal(names(c.test));
      expect([...names(a.train), ...names(a.test)].sort()).to.deep.equal(names(data).slice().sort());
      expect(names(a.test)).to.not.deep.equal(names(data.split({ testRatio: 0.25, fixedOrder: true }).test));
      // Both halves keep the dataset's order.
      expect(names(a.train)).to.deep.equal(names(a.train).slice().sort());
    });

    it('refuses a class too small to split and a ratio outside (0, 1)', async () => {
      await expectDatasetError(() => synthetic([5, 1]).split({ testRatio: 0.2 }), 'DATASET_SPLIT', /class 'class1' has 1 image: it needs at least 2/);
      for (const testRatio of [0, 1, -0.5, 1.5, Number.NaN]) {
        await expectDatasetError(() => synthetic([5]).split({ testRatio }), 'DATASET_SPLIT', /testRatio must be between 0 and 1/);
      }
      // A ratio close to 1 is fine while a training image is left: 99 of 100 go to test.
      expect(synthetic([100]).split({ testRatio: 0.99 }).train.size).to.equal(1);
    });

    it('works on a folder read from disk', async () => {
      tree(root, ['b/1.jpg', 'b/2.jpg', 'b/3.jpg', 'b/4.jpg', 'a/1.png', 'a/2.png']);
      const { train, test } = (await loadImageFolder(root)).split({ testRatio: 0.25, fixedOrder: true });
      expect(names(test)).to.deep.equal(['a/1.png', 'b/1.jpg']);
      expect(names(train)).to.deep.equal(['a/2.png', 'b/2.jpg', 'b/3.jpg', 'b/4.jpg']);
    });
  });

  it('refuses items whose labels are outside the classes', () => {
    expect(() => new ImageDataset(['a'], [{ path: 'x', label: 1 }])).to.throw(RangeError, /label 1, outside the 1 classes/);
  });
});
