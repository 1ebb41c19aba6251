import { expect } from 'chai';
import { EdgeTpuDevice, listEdgeTpus } from '../../src/edgetpu/index.js';
import { concat, openOn, setUpReplay } from './helpers.js';
import { requireTraces, traceCases } from './shared-data.js';

const sameBytes = (got: Uint8Array, want: Uint8Array, what: string) => {
  expect(got.length, `${what}: length`).to.equal(want.length);
  const i = got.findIndex((b, k) => b !== want[k]);
  expect(i, `${what}: first differing byte`).to.equal(-1);
};

/**
 * The driver against the vendor runtime's recorded sessions: every control transfer,
 * reset, claim and bulk-out byte must be what the runtime sent (the replaying device
 * throws at the first difference), and the outputs must be what the runtime handed back.
 */
describe('edgetpu driver: replays of the recorded sessions', function () {
  requireTraces();

  for (const c of traceCases()) {
    describe(`${c.model} ${c.scenario}`, function () {
      it(`${c.scenario === 'cold' ? 'bootloader → firmware → ready → ' : ''}open → parameters → two inferences → close: exactly the recorded traffic and results`, async function () {
        const r = await setUpReplay(this, c);
        const listed = await listEdgeTpus({ transport: r.fake });
        expect(listed).to.have.length(1);
        expect(listed[0]!.state).to.equal(c.scenario === 'cold' ? 'bootloader' : 'ready');

        const tpu = await EdgeTpuDevice.open(r.options);
        expect(tpu.info!.state).to.equal('ready');
        expect(tpu.info!.speed).to.equal(c.scenario === 'warm-usb2' ? 'high' : 'super');
        sameBytes(concat(await tpu.run(r.program, [r.inputs[0]])), r.results[0], 'inference 0');
        sameBytes(concat(await tpu.run(r.program, [r.inputs[1]])), r.results[1], 'inference 1');
        await tpu.close();
        r.fake.assertComplete();
      });
    });
  }

  describe('queueing', function () {
    it('concurrent callers are served one at a time, in call order', async function () {
      const c = traceCases().find((t) => t.scenario === 'warm' && t.model.startsWith('mobilenet_v1_0.25'));
      if (!c) this.skip();
      const r = await setUpReplay(this, c);
      const tpu = await openOn(r);
      // Both calls are in flight together; the trace only matches if they do not interleave.
      const [a, b] = await Promise.all([tpu.run(r.program, [r.inputs[0]]), tpu.run(r.program, [r.inputs[1]])]);
      sameBytes(concat(a), r.results[0], 'first caller');
      sameBytes(concat(b), r.results[1], 'second caller');
      await tpu.close();
      r.fake.assertComplete();
    });

    it('open() and run() started together: run waits for the device to be ready', async function () {
      const c = traceCases().find((t) => t.scenario === 'cold' && t.model.startsWith('movenet'));
      if (!c) this.skip();
      const r = await setUpReplay(this, c);
      const tpu = await openOn(r);
      const outs = await Promise.all([tpu.run(r.program, [r.inputs[0]]), tpu.run(r.program, [r.inputs[1]]), tpu.close()]);
      sameBytes(concat(outs[0]), r.results[0], 'inference 0');
      sameBytes(concat(outs[1]), r.results[1], 'inference 1');
      r.fake.assertComplete();
    });
  });

  describe('runInto', function () {
    it('writes the outputs into the caller\'s buffers, in the op\'s output order', async function () {
      const c = traceCases().find((t) => t.scenario === 'cold' && t.model.startsWith('movenet'));
      if (!c) this.skip();
      const r = await setUpReplay(this, c);
      const tpu = await openOn(r);
      const outs = r.program.outputs.map((l) => new Uint8Array(l.y * l.x * l.z));
      expect(r.program.outputs.map((l) => l.name.split('/')[0])).to.deep.equal(['Reshape_2', 'Sigmoid', 'Sigmoid1', 'kpt_offset_0', 'kpt_regress_0']);
      await tpu.runInto(r.program, [r.inputs[0]], outs);
      sameBytes(concat(outs), r.results[0], 'inference 0');
      await tpu.runInto(r.program, [r.inputs[1]], outs);
      sameBytes(concat(outs), r.results[1], 'inference 1');
      await tpu.close();
      r.fake.assertComplete();
    });
  });
});
