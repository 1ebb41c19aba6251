import { expect } from 'chai';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import '../../src/interpreter/kernels/index.js';
import { singleOpModel, type SingleOpSpec } from '../helpers/single-op-model.js';
import { referenceRun } from '../helpers/tflite-oracle.js';

/**
 * Runs one interpreter many times on the same inputs and checks every run against real TFLite.
 * Float NaN payloads (which operand's NaN wins, quieting) can change once V8 optimizes a
 * kernel's loop, so one cold run is not enough to show that a float kernel is exact.
 */
export async function expectSameAsTfliteWhenHot(spec: SingleOpSpec, inputs: Uint8Array[], label: string, runs = 150): Promise<void> {
  const model = singleOpModel(spec);
  const reference = referenceRun(model, inputs).outputs.map((o) => o.bytes);
  const interpreter = await Interpreter.create(model);
  for (let run = 0; run < runs; run++) {
    const outputs = interpreter.runSync(inputs);
    outputs.forEach((o, k) => {
      const ours = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      const theirs = reference[k]!;
      expect(ours.length, `${label}: output ${k} length`).to.equal(theirs.length);
      for (let i = 0; i < theirs.length; i++) {
        if (ours[i] !== theirs[i]) expect.fail(`${label}: run ${run}, output ${k} differs from TFLite at byte ${i} (ours ${ours[i]}, TFLite ${theirs[i]})`);
      }
    });
  }
}
