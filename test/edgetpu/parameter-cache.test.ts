import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Model } from '../../src/tflite/index.js';
import { readEdgeTpuProgram, type EdgeTpuProgram } from '../../src/edgetpu/index.js';
import { ParameterCache } from '../../src/edgetpu/parameter-cache.js';
import { CORAL_TEST_DATA, requireCoralData } from '../helpers/data.js';

async function program(name: string): Promise<EdgeTpuProgram> {
  return readEdgeTpuProgram((await Model.load(join(CORAL_TEST_DATA, name))).edgeTpuOperators()[0]!.customOptions);
}

describe('edgetpu parameter cache', function () {
  requireCoralData();
  let a: EdgeTpuProgram;
  let b: EdgeTpuProgram;
  before(async function () {
    if (!existsSync(CORAL_TEST_DATA)) this.skip();
    a = await program('mobilenet_v1_0.25_128_quant_edgetpu.tflite');
    b = await program('mobilenet_v2_1.0_224_quant_edgetpu.tflite');
    expect(a.parameterCachingToken).to.not.equal(b.parameterCachingToken);
  });

  it('loads parameters on the first inference only', function () {
    const cache = new ParameterCache();
    expect(cache.requestsFor(a)).to.deep.equal([a.parameterCaching, a.executable]);
    cache.completed(a);
    expect(cache.requestsFor(a)).to.deep.equal([a.executable]);
  });

  it('a failed inference does not count as loaded', function () {
    const cache = new ParameterCache();
    cache.requestsFor(a);
    expect(cache.requestsFor(a)).to.have.length(2);
  });

  it('a model with another token evicts the first one, which then loads again', function () {
    const cache = new ParameterCache();
    cache.completed(a);
    expect(cache.requestsFor(b)).to.deep.equal([b.parameterCaching, b.executable]);
    cache.completed(b);
    expect(cache.requestsFor(b)).to.deep.equal([b.executable]);
    expect(cache.requestsFor(a)).to.deep.equal([a.parameterCaching, a.executable]);
  });

  it('co-compiled programs (same token) stay cached together', function () {
    const sibling: EdgeTpuProgram = { ...a, parameterCaching: { ...a.parameterCaching! }, executable: { ...a.executable } };
    const cache = new ParameterCache();
    cache.completed(a);
    expect(cache.requestsFor(sibling)).to.deep.equal([sibling.parameterCaching, sibling.executable]);
    cache.completed(sibling);
    expect(cache.requestsFor(a)).to.deep.equal([a.executable]);
    expect(cache.requestsFor(sibling)).to.deep.equal([sibling.executable]);
  });

  it('token 0 means never cached; programs without a parameter-caching executable need nothing', function () {
    const zero: EdgeTpuProgram = { ...a, parameterCachingToken: 0n };
    const cache = new ParameterCache();
    cache.completed(zero);
    expect(cache.requestsFor(zero)).to.have.length(2);
    const standAlone: EdgeTpuProgram = { ...a, parameterCaching: null, parameterCachingToken: 0n };
    expect(cache.requestsFor(standAlone)).to.deep.equal([a.executable]);
  });

  it('clear() (closing the device) forgets everything', function () {
    const cache = new ParameterCache();
    cache.completed(a);
    cache.clear();
    expect(cache.requestsFor(a)).to.have.length(2);
  });
});
