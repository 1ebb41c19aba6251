import { expect } from 'chai';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSummary } from '../../src/tflite/index.js';
import { CORAL_TEST_DATA, coralFile, coralModels, requireCoralData } from '../helpers/data.js';
import { runCli } from '../helpers/cli.js';

describe('edgetpu-learn inspect', function () {
  requireCoralData();

  for (const name of coralModels()) {
    it(`describes ${name}`, async function () {
      const path = join(CORAL_TEST_DATA, name);
      const text = await runCli('inspect', path);
      expect(text.code, text.stderr).to.equal(0);
      const json = await runCli('inspect', path, '--json');
      expect(json.code, json.stderr).to.equal(0);
      const s = JSON.parse(json.stdout) as ModelSummary;
      expect(s.bytes).to.equal(statSync(path).size);
      expect(s.schemaVersion).to.equal(3);
      expect(s.inputs.length).to.be.above(0);
      expect(s.outputs.length).to.be.above(0);
      expect(Object.values(s.operators.counts).reduce((a, b) => a + b, 0)).to.equal(s.operators.total);
      const isEdgetpu = name.includes('_edgetpu');
      expect(s.edgetpu.compiled).to.equal(isEdgetpu);
      expect(s.edgetpu.operators.length > 0).to.equal(isEdgetpu);
      // The text names every input with its shape and type, and the Edge TPU/CPU split.
      for (const t of s.inputs) expect(text.stdout).to.include(`[${t.shape.join(', ')}]  ${t.dtype}`);
      expect(text.stdout).to.match(isEdgetpu ? /runs on the Edge TPU/ : /every operator runs on the CPU/);
    });
  }

  it('reports quantization, metadata and the CPU tail of an Edge TPU model', async function () {
    coralFile(this, 'movenet_single_pose_lightning_ptq_edgetpu.tflite');
    coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const movenet = JSON.parse((await runCli('inspect', join(CORAL_TEST_DATA, 'movenet_single_pose_lightning_ptq_edgetpu.tflite'), '--json')).stdout) as ModelSummary;
    expect(movenet.edgetpu.cpuOperators).to.include({ CAST: 5, QUANTIZE: 7, GATHER_ND: 4, RESHAPE: 11 });
    expect(movenet.outputs[0]).to.include({ dtype: 'float32', scale: null });
    const mobilenet = JSON.parse((await runCli('inspect', join(CORAL_TEST_DATA, 'mobilenet_v1_0.25_128_quant.tflite'), '--json')).stdout) as ModelSummary;
    expect(mobilenet.inputs[0]).to.deep.include({ name: 'input', shape: [1, 128, 128, 3], dtype: 'uint8', scale: [0.0078125], zeroPoint: [128] });
    expect(mobilenet.metadata).to.deep.equal([{ name: 'min_runtime_version', bytes: 16 }, { name: 'TFLITE_METADATA', bytes: 696 }]);
    expect(mobilenet.operators.counts).to.deep.equal({ CONV_2D: 15, DEPTHWISE_CONV_2D: 13, AVERAGE_POOL_2D: 1, RESHAPE: 1, SOFTMAX: 1 });
    expect(mobilenet.edgetpu).to.deep.equal({ compiled: false, operators: [], cpuOperators: { CONV_2D: 15, DEPTHWISE_CONV_2D: 13, AVERAGE_POOL_2D: 1, RESHAPE: 1, SOFTMAX: 1 } });
  });

  it('fails cleanly on a file that is not a model', async function () {
    coralFile(this, 'cat.bmp');
    const r = await runCli('inspect', join(CORAL_TEST_DATA, 'cat.bmp'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/cat\.bmp: no TFLite file identifier/);
  });
});
