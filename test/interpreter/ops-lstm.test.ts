import { expect } from 'chai';
import { UnsupportedOperatorError } from '../../src/interpreter/errors.js';
import { Interpreter } from '../../src/interpreter/interpreter.js';
import { Model } from '../../src/tflite/index.js';
import { prng } from '../helpers/prng.js';
import { referenceRun } from '../helpers/tflite-oracle.js';
import { bytesEqual, randomInput, referenceRunSequence, runOurs, runOursSequence } from './conformance.js';
import { lstmModel, randomLstmSpec, type LstmSpec } from './lstm-model.js';

type Rand = () => number;

function describeSpec(s: LstmSpec): string {
  return `${s.kind} batch ${s.batch} × time ${s.time} × input ${s.nInput} → cell ${s.nCell}${s.timeMajor ? ' time-major' : ''}${s.cifg ? ' CIFG' : ''}${s.cellClip ? ` clip ${s.cellClip}` : ''}`;
}

/** One fresh run in each runtime, every output byte compared. */
function expectSameRun(rand: Rand, spec: LstmSpec, input?: Uint8Array): void {
  const { model, inputShape } = lstmModel(spec);
  const x = input ?? randomInput(rand, spec.kind, inputShape, 2);
  const theirs = referenceRun(model, [x]).outputs[0]!.bytes;
  const ours = runOurs(model, [x])[0]!;
  if (!bytesEqual(ours, theirs)) {
    const differing = ours.reduce((n, v, i) => n + (v === theirs[i] ? 0 : 1), 0);
    expect.fail(`${describeSpec(spec)}: ${differing} of ${theirs.length} output bytes differ from TFLite`);
  }
}

describe('UNIDIRECTIONAL_SEQUENCE_LSTM matches TFLite 2.9 byte for byte', () => {
  describe('fully integer (int8 input/weights/hidden state, int16 cell state, int32 biases)', () => {
    it('120 random shapes, batch- and time-major, with and without cell clip, hidden quantization equal to or unlike the state', () => {
      const rand = prng(401);
      for (let n = 0; n < 120; n++) expectSameRun(rand, randomLstmSpec(rand, 'int8'));
    });

    it('CIFG (coupled input and forget gates)', () => {
      const rand = prng(402);
      for (let n = 0; n < 30; n++) expectSameRun(rand, randomLstmSpec(rand, 'int8', { cifg: true }));
    });

    it("keras_lstm_mnist_ptq's shape: 28 steps of 28 features into 20 cells, clip 10, hidden zero point −1", () => {
      const rand = prng(403);
      for (let n = 0; n < 6; n++) {
        expectSameRun(rand, randomLstmSpec(rand, 'int8', { batch: 1, time: 28, nInput: 28, nCell: 20, timeMajor: false, cellClip: 10, stateZeroPoint: -1, hiddenZeroPoint: -1, stateScale: 1 / 128 + n * 0.002, hiddenScale: 1 / 128 + n * 0.002 }));
      }
    });

    it('saturating inputs (all −128 / all 127) and large weights scales', () => {
      const rand = prng(404);
      for (const fill of [-128, 127]) {
        for (let n = 0; n < 5; n++) {
          const spec = randomLstmSpec(rand, 'int8', { weightScales: [0.05, 0.08, 0.1, 0.06], recurrentScales: [0.07, 0.05, 0.09, 0.1] });
          const count = spec.batch * spec.time * spec.nInput;
          expectSameRun(rand, spec, new Uint8Array(Int8Array.from({ length: count }, () => fill).buffer));
        }
      }
    });
  });

  describe('float32', () => {
    it('120 random shapes, batch- and time-major, with and without cell clip', () => {
      const rand = prng(411);
      for (let n = 0; n < 120; n++) expectSameRun(rand, randomLstmSpec(rand, 'float32'));
    });
    it('CIFG', () => {
      const rand = prng(412);
      for (let n = 0; n < 30; n++) expectSameRun(rand, randomLstmSpec(rand, 'float32', { cifg: true }));
    });
    it('28 steps of 28 features into 20 cells', () => {
      const rand = prng(413);
      for (let n = 0; n < 4; n++) expectSameRun(rand, randomLstmSpec(rand, 'float32', { batch: 1, time: 28, nInput: 28, nCell: 20, timeMajor: false, cellClip: 10 }));
    });
  });

  it('the states carry over from one run to the next, as in TFLite', () => {
    const rand = prng(421);
    for (const kind of ['int8', 'float32'] as const) {
      for (let n = 0; n < 6; n++) {
        const spec = randomLstmSpec(rand, kind);
        const { model, inputShape } = lstmModel(spec);
        // The same input three times: only the state left by the previous run changes the output.
        const input = randomInput(rand, kind, inputShape, 2);
        const runs = [[input], [input], [input]];
        const theirs = referenceRunSequence(model, runs);
        const ours = runOursSequence(model, runs);
        expect(bytesEqual(theirs[0]![0]!, theirs[1]![0]!), 'TFLite carries state over').to.equal(false);
        theirs.forEach((t, k) => expect(bytesEqual(ours[k]![0]!, t[0]!), `${describeSpec(spec)} run ${k}`).to.equal(true));
      }
    }
  });

  it('refuses, with UnsupportedOperatorError, the LSTM features this kernel lacks (peepholes, projection, layer norm)', async () => {
    const rand = prng(431);
    const { model } = lstmModel(randomLstmSpec(rand, 'int8', { nCell: 4 }));
    for (const [name, position, shape] of [['peephole', 10, [4]], ['projection', 16, [4, 4]], ['layer norm', 21, [4]]] as Array<[string, number, number[]]>) {
      const m = Model.fromBuffer(model);
      const g = m.subgraph(0);
      const t = g.addTensor({ name, shape, dtype: 'int16', data: new Int16Array(shape.reduce((a, d) => a * d, 1)), quantization: { scale: [0.01], zeroPoint: [0] } });
      g.raw.operators[0]!.inputs[position] = t;
      let error: unknown;
      try {
        await Interpreter.create(m.toBuffer());
      } catch (e) {
        error = e;
      }
      expect(error, name).to.be.instanceOf(UnsupportedOperatorError);
      expect((error as Error).message, name).to.match(new RegExp(name.split(' ')[0]!));
    }
  });
});

