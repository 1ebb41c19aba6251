import { fb, type DType } from '../../tflite/index.js';
import { registerKernel } from '../registry.js';
import { StridedCopy, rawViews, stridesOf } from '../strided-copy.js';
import { expectShape, invalid, sameTypeOperands } from './node-checks.js';

const DTYPES: readonly DType[] = ['float32', 'uint8', 'int8', 'int32', 'int64'];

/**
 * SPACE_TO_DEPTH: each block×block patch of an NHWC image becomes one pixel with
 * block²·C channels, ordered (row in block, column in block, channel). It is the
 * transpose of the input seen as [N, H/b, b, W/b, b, C] to [N, H/b, W/b, b, b, C].
 */
registerKernel({
  op: 'SPACE_TO_DEPTH',
  dtypes: DTYPES,
  prepare(node) {
    const { input, output } = sameTypeOperands(node, 1, DTYPES);
    if (input.shape.length !== 4) throw invalid(node, `input must be 4-D NHWC, got [${input.shape.join(', ')}]`);
    const block = node.options instanceof fb.SpaceToDepthOptionsT ? node.options.blockSize : 0;
    const [n, h, w, c] = input.shape as [number, number, number, number];
    if (!(block >= 1) || h % block !== 0 || w % block !== 0) {
      throw invalid(node, `block_size ${block} must be ≥ 1 and divide height ${h} and width ${w}`);
    }
    const outShape = [n, h / block, w / block, block * block * c];
    expectShape(node, output, outShape);
    const s = stridesOf([n, h / block, block, w / block, block, c]);
    const box = [n, h / block, w / block, block, block, c];
    const [src, dst] = rawViews([input, output]);
    const copy = new StridedCopy(box, [s[0]!, s[1]!, s[3]!, s[2]!, s[4]!, s[5]!], stridesOf(box), src!.wordsPerElement);
    return () => copy.run(src!.words, 0, dst!.words, 0, src!.wordsPerElement);
  },
});
