import { expect } from 'chai';
import * as api from '../src/index.js';
import { UnsupportedModelError as InterpreterUnsupportedModelError } from '../src/interpreter/index.js';
import { UnsupportedModelError as LearnUnsupportedModelError } from '../src/learn/index.js';

/*
 * What `import ... from 'edgetpu-learn'` gives: every part of the library from one place
 * (models, interpreter, Edge TPU driver, learning, images, data, catalog), with no name lost
 * to two modules exporting it (ES modules silently drop such a name from `export *`).
 */
describe('the package entry point', function () {
  it('exports the interpreter, the Edge TPU driver, the learning engines, images, data and models', function () {
    const names = [
      'Model', 'InvalidModelError',
      'Interpreter', 'InterpreterPool', 'UnsupportedOperatorError', 'EdgeTpuRequiredError', 'InvalidInputError', 'registerKernel',
      'EdgeTpuDevice', 'listEdgeTpus', 'registerEdgeTpu', 'EdgeTpuNotFoundError', 'readEdgeTpuProgram',
      'EmbeddingExtractor', 'ImprintingEngine', 'SoftmaxRegression', 'extractorFromClassifier', 'UnsupportedModelError',
      'loadImage', 'toInputTensor', 'loadImageFolder', 'readIdx', 'readLabels', 'resolveModel', 'EdgeTpuLearnError',
    ];
    const exported = api as unknown as Record<string, unknown>;
    expect(names.filter((n) => typeof exported[n] !== 'function')).to.deep.equal([]);
  });

  it('has one UnsupportedModelError, which the interpreter and the learning engines both throw', function () {
    expect(InterpreterUnsupportedModelError).to.equal(LearnUnsupportedModelError);
    expect(api.UnsupportedModelError).to.equal(LearnUnsupportedModelError);
    const e = new api.UnsupportedModelError('dynamic shapes', 'Give a model with fixed shapes.');
    expect(e).to.be.instanceOf(api.EdgeTpuLearnError);
    expect([e.code, e.reason, e.message]).to.deep.equal(['UNSUPPORTED_MODEL', 'dynamic shapes', 'dynamic shapes Give a model with fixed shapes.']);
  });

  it('the built package (what `import \'edgetpu-learn\'` loads, dist/) exports the same names as the sources', async function () {
    let built: Record<string, unknown>;
    // A specifier in a variable: type-checking must not need dist/.
    const packageName = 'edgetpu-learn';
    try {
      built = (await import(packageName)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`dist/ is missing or broken: run \`npm run build\` (npm ci does it through \`prepare\`): ${(e as Error).message}`);
    }
    expect(Object.keys(built).sort()).to.deep.equal(Object.keys(api).sort());
  });
});
