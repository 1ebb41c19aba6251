import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORAL_TEST_DATA, SHARED, coralFile, missing } from '../helpers/data.js';
import { runCli } from '../helpers/cli.js';
import { patternBytes, referenceRun } from '../helpers/tflite-oracle.js';

const TRACES = join(SHARED, 'edgetpu-traces');

describe('edgetpu-learn run', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'etl-run-'));
  });

  it('runs a CPU model on raw bytes, several inferences back to back, byte-identical to TFLite', async function () {
    const model = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    const a = patternBytes(128 * 128 * 3);
    const b = new Uint8Array(128 * 128 * 3).fill(128);
    writeFileSync(join(dir, 'a.bin'), a);
    writeFileSync(join(dir, 'b.bin'), b);
    const r = await runCli('run', model, '--input', join(dir, 'a.bin'), '--input', join(dir, 'b.bin'), '--output', join(dir, 'out.bin'));
    expect(r.code, r.stderr).to.equal(0);
    const model_ = readFileSync(model);
    const want = Buffer.concat([referenceRun(model_, [a]).outputs[0]!.bytes, referenceRun(model_, [b]).outputs[0]!.bytes]);
    expect(readFileSync(join(dir, 'out.bin')).equals(want)).to.equal(true);
  });

  it('--bench N --json prints latency statistics', async function () {
    const model = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    writeFileSync(join(dir, 'a.bin'), patternBytes(128 * 128 * 3));
    const r = await runCli('run', model, '--input', join(dir, 'a.bin'), '--bench', '5', '--json');
    expect(r.code, r.stderr).to.equal(0);
    const line = JSON.parse(r.stdout) as Record<string, number>;
    expect(line.runs).to.equal(5);
    expect(line.min_ms).to.be.at.most(line.median_ms!);
    expect(line.median_ms).to.be.at.most(line.max_ms!);
  });

  it('refuses input files of the wrong size, naming what the model takes', async function () {
    const model = coralFile(this, 'mobilenet_v1_0.25_128_quant.tflite');
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(100));
    const r = await runCli('run', model, '--input', join(dir, 'short.bin'), '--output', join(dir, 'x.bin'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/short\.bin: has 100 bytes, but the model's inputs take 49152 \(input uint8\[1,128,128,3\] = 49152 bytes\)/);
    expect(existsSync(join(dir, 'x.bin'))).to.equal(false);
    expect((await runCli('run', model, '--output', 'x.bin')).code).to.equal(2);
    expect((await runCli('run', model, '--input', 'a', '--bench', 'many')).code).to.equal(2);
  });

  it('says an _edgetpu model needs an Edge TPU on the CPU', async function () {
    const model = coralFile(this, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite');
    writeFileSync(join(dir, 'a.bin'), patternBytes(128 * 128 * 3));
    const r = await runCli('run', model, '--input', join(dir, 'a.bin'), '--output', join(dir, 'o.bin'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/Edge TPU/);
    expect(r.stderr).to.match(/mobilenet_v1_0\.25_128_quant\.tflite/);
  });

  describe('--device replay:TRACE.json', function () {
    if (!existsSync(TRACES)) {
      it('has the Edge TPU traces', function () {
        missing(this, TRACES);
      });
      return;
    }
    // movenet's trace records the custom op's int8 input, which in the whole model is computed by
    // CPU ops from the uint8 image: `run` on that model cannot feed input A to the op. The driver
    // tests (test/edgetpu) replay it on the op itself.
    for (const folder of readdirSync(TRACES).filter((f) => !f.includes('.') && !f.startsWith('movenet')).sort()) {
      for (const scenario of ['cold', 'warm', 'warm-usb2']) {
        const trace = join(TRACES, folder, `${scenario}.trace.json`);
        if (!existsSync(trace)) continue;
        it(`${folder} ${scenario}: two inferences give the recorded results`, async function () {
          const doc = JSON.parse(readFileSync(trace, 'utf8')) as { model: { file: { name: string } } };
          const name = doc.model.file.name;
          const model = existsSync(join(CORAL_TEST_DATA, name)) ? join(CORAL_TEST_DATA, name) : coralFile(this, join('tools', name));
          const inputBytes = readFileSync(join(TRACES, folder, `${scenario}.in0.bin`)).length;
          // Inputs A and B as the model's input tensor wants them (before padding or sign flip).
          const probe = await runCli('inspect', model, '--json');
          const shape = (JSON.parse(probe.stdout) as { inputs: Array<{ shape: number[] }> }).inputs[0]!.shape;
          const size = shape.reduce((x, d) => x * d, 1);
          expect(inputBytes).to.be.at.least(size);
          writeFileSync(join(dir, 'A.bin'), patternBytes(size));
          writeFileSync(join(dir, 'B.bin'), new Uint8Array(size).fill(128));
          const out = join(dir, `${folder}-${scenario}.out.bin`);
          const firmware = join(SHARED, 'edgetpu-firmware', 'apex_latest_single_ep.bin');
          if (scenario === 'cold' && !existsSync(firmware)) missing(this, firmware);
          const r = await runCli('run', model, '--device', `replay:${trace}`, '--firmware', firmware, '--input', join(dir, 'A.bin'), '--input', join(dir, 'B.bin'), '--output', out);
          expect(r.code, r.stderr).to.equal(0);
          const want = Buffer.concat([readFileSync(join(TRACES, folder, `${scenario}.result0.bin`)), readFileSync(join(TRACES, folder, `${scenario}.result1.bin`))]);
          expect(readFileSync(out).equals(want)).to.equal(true);
        });
      }
    }
  });
});
