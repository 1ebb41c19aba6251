import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  EdgeTpuBusyError,
  EdgeTpuClosedError,
  EdgeTpuDevice,
  EdgeTpuDisconnectedError,
  EdgeTpuFirmwareError,
  EdgeTpuInputError,
  EdgeTpuNotFoundError,
  EdgeTpuPermissionError,
  EdgeTpuProtocolError,
  EdgeTpuTimeoutError,
  InvalidExecutableError,
  listEdgeTpus,
  type EdgeTpuProgram,
  type UsbTransport,
} from '../../src/edgetpu/index.js';
import { accessAdvice } from '../../src/edgetpu/error-mapping.js';
import { EdgeTpuLearnError } from '../../src/errors.js';
import type { TraceRecord } from '../../src/testing/index.js';
import { concat, setUpReplay, type Replay } from './helpers.js';
import { FIRMWARE, requireTraces, sharedFile, traceCases, type TraceCase } from './shared-data.js';

function find(model: string, scenario: TraceCase['scenario']): TraceCase | undefined {
  return traceCases().find((c) => c.model.startsWith(model) && c.scenario === scenario);
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** The seq of the first record matching `match` (a fault's position in the trace). */
function seqOf(r: Replay, match: (rec: TraceRecord, i: number, all: readonly TraceRecord[]) => boolean): number {
  const i = r.trace.ordered.findIndex(match);
  if (i < 0) throw new Error('record not found');
  return r.trace.ordered[i]!.seq;
}

/** After a fault: the same device object reopens and serves a full, exact session. */
async function recovers(tpu: EdgeTpuDevice, r: Replay): Promise<void> {
  expect(concat(await tpu.run(r.program, [r.inputs[0]]))).to.deep.equal(r.results[0]);
  expect(concat(await tpu.run(r.program, [r.inputs[1]]))).to.deep.equal(r.results[1]);
  await tpu.close();
  r.fake.assertComplete();
}

const noDevices: UsbTransport = { listDevices: async () => [] };

describe('edgetpu driver: faults', function () {
  requireTraces();
  let warm: Replay;
  beforeEach(async function () {
    const c = find('mobilenet_v1_0.25', 'warm');
    if (!c) this.skip();
    warm = await setUpReplay(this, c);
  });

  it('no device → EdgeTpuNotFoundError saying what was looked for', async function () {
    const e = await caught(EdgeTpuDevice.open({ transport: noDevices }));
    expect(e).to.be.instanceOf(EdgeTpuNotFoundError);
    expect(e.message).to.match(/no Coral USB Accelerator found.*1a6e:089a and 18d1:9302.*plug it in/);
    const e2 = await caught(EdgeTpuDevice.open({ ...warm.options, path: '/sys/bus/usb/devices/9-9' }));
    expect(e2).to.be.instanceOf(EdgeTpuNotFoundError);
    expect(e2.message).to.match(/no Coral USB Accelerator at \/sys\/bus\/usb\/devices\/9-9 \(found: \/sys\/bus\/usb\/devices\/2-1\)/);
    expect(await listEdgeTpus({ transport: noDevices })).to.deep.equal([]);
  });

  it('the default transport (the usb package) lists without throwing, devices or not', async function () {
    const list = await listEdgeTpus();
    expect(list).to.be.an('array');
  });

  it('no permission → EdgeTpuPermissionError with the udev rule (Linux) or WinUSB driver (Windows) to install; the next call opens', async function () {
    warm.fake.inject({ kind: 'open-error', error: 'access-denied' });
    const e = await caught(EdgeTpuDevice.open(warm.options));
    expect(e).to.be.instanceOf(EdgeTpuPermissionError);
    expect((e as EdgeTpuLearnError).code).to.equal('EDGETPU_PERMISSION');
    expect(e.message).to.contain(accessAdvice());
    expect(accessAdvice('linux')).to.match(/ATTRS\{idVendor\}=="1a6e", ATTRS\{idProduct\}=="089a".*\n.*ATTRS\{idVendor\}=="18d1", ATTRS\{idProduct\}=="9302"/);
    expect(accessAdvice('linux')).to.match(/udevadm control --reload-rules.*plugdev/);
    expect(accessAdvice('win32')).to.match(/WinUSB.*1a6e:089a.*18d1:9302.*Zadig/);
    warm.fake.inject({ kind: 'open-error', error: 'driver' });
    expect(await caught(EdgeTpuDevice.open(warm.options))).to.be.instanceOf(EdgeTpuPermissionError);
    // Nothing of the trace was used: the next attempt replays all of it.
    await recovers(await EdgeTpuDevice.open(warm.options), warm);
  });

  it('busy → EdgeTpuBusyError; after the other user lets go, it opens', async function () {
    warm.fake.inject({ kind: 'claim-error', error: 'busy' });
    const e = await caught(EdgeTpuDevice.open(warm.options));
    expect(e).to.be.instanceOf(EdgeTpuBusyError);
    expect(e.message).to.match(/claiming the Edge TPU: the Edge TPU is in use by another program/);
    warm.fake.replug();
    await recovers(await EdgeTpuDevice.open(warm.options), warm);
  });

  it('unplugged mid-transfer → EdgeTpuDisconnectedError, the handle is released, and the next run reopens', async function () {
    const beforeSeq = seqOf(warm, (rec) => rec.kind === 'bulk_out' && rec.length === 49152);
    warm.fake.inject({ kind: 'unplug', beforeSeq });
    const tpu = await EdgeTpuDevice.open(warm.options);
    const e = await caught(tpu.run(warm.program, [warm.inputs[0]]));
    expect(e).to.be.instanceOf(EdgeTpuDisconnectedError);
    expect(e.message).to.match(/sending input 'input'.*went away.*plug it back in/);
    expect(tpu.isOpen).to.equal(false);
    const e2 = await caught(tpu.run(warm.program, [warm.inputs[0]]));
    expect(e2, 'still unplugged').to.be.instanceOf(EdgeTpuNotFoundError);
    warm.fake.replug();
    await recovers(tpu, warm);
  });

  it('unplugged during the firmware download → EdgeTpuDisconnectedError; after replugging, the download starts over', async function () {
    const c = find('mobilenet_v1_0.25', 'cold');
    if (!c) this.skip();
    const r = await setUpReplay(this, c);
    r.fake.inject({ kind: 'unplug', beforeSeq: seqOf(r, (rec) => rec.kind === 'control_out' && rec.decoded?.block === 20) });
    const e = await caught(EdgeTpuDevice.open(r.options));
    expect(e).to.be.instanceOf(EdgeTpuDisconnectedError);
    r.fake.replug();
    await recovers(await EdgeTpuDevice.open(r.options), r);
  });

  it('closing a device that was unplugged just releases it', async function () {
    const tpu = await EdgeTpuDevice.open(warm.options);
    warm.fake.unplug();
    await tpu.close();
    expect(tpu.isOpen).to.equal(false);
    expect(await caught(tpu.run(warm.program, [warm.inputs[0]]))).to.be.instanceOf(EdgeTpuClosedError);
  });

  it('a platform that refuses GET_DESCRIPTOR before an interface is claimed (WinUSB) still opens', async function () {
    warm.fake.inject({ kind: 'stall', seq: seqOf(warm, (rec) => rec.kind === 'control_in' && rec.bRequest === 6) });
    await recovers(await EdgeTpuDevice.open(warm.options), warm);
  });

  it('outputs that never come → EdgeTpuTimeoutError within the transfer timeout; the next run reopens', async function () {
    warm.fake.inject({ kind: 'mute', endpoint: 0x81 });
    const tpu = await EdgeTpuDevice.open({ ...warm.options, timeouts: { transferMs: 150 } });
    const t0 = Date.now();
    const e = await caught(tpu.run(warm.program, [warm.inputs[0]]));
    expect(e).to.be.instanceOf(EdgeTpuTimeoutError);
    expect(e.message).to.match(/reading output 'MobilenetV1\/Predictions\/Reshape_1': the Edge TPU did not answer in time/);
    expect(Date.now() - t0).to.be.below(2000);
    expect(tpu.isOpen).to.equal(false);
    warm.fake.replug();
    await recovers(tpu, warm);
  });

  it('a missing completion event → EdgeTpuTimeoutError within the request timeout', async function () {
    warm.fake.inject({ kind: 'mute', endpoint: 0x82 });
    const tpu = await EdgeTpuDevice.open({ ...warm.options, timeouts: { requestMs: 300 } });
    const e = await caught(tpu.run(warm.program, [warm.inputs[0]]));
    expect(e).to.be.instanceOf(EdgeTpuTimeoutError);
    expect(e.message).to.match(/waiting for the end of the request/);
    warm.fake.replug();
    await recovers(tpu, warm);
  });

  describe('firmware download', function () {
    let cold: Replay;
    beforeEach(async function () {
      const c = find('mobilenet_v1_0.25', 'cold');
      if (!c) this.skip();
      cold = await setUpReplay(this, c);
    });

    it('the bootloader reporting an error → EdgeTpuFirmwareError naming the DFU state', async function () {
      // The GETSTATUS after the zero-length block: the bootloader says dfuERROR.
      const seq = seqOf(cold, (rec, i, all) => rec.kind === 'control_in' && rec.decoded?.op === 'dfu_getstatus' && all[i - 1]!.kind === 'control_out' && (all[i - 1] as { length: number }).length === 0);
      cold.fake.inject({ kind: 'answer', seq, data: Uint8Array.from([0x0e, 0, 0, 0, 10, 0]) });
      const e = await caught(EdgeTpuDevice.open(cold.options));
      expect(e).to.be.instanceOf(EdgeTpuFirmwareError);
      expect(e.message).to.match(/firmware download failed at the end of the download: .*status 14, state dfuERROR/);
      cold.fake.replug();
      await recovers(await EdgeTpuDevice.open(cold.options), cold);
    });

    it('a read-back that differs → EdgeTpuFirmwareError', async function () {
      const seq = seqOf(cold, (rec) => rec.kind === 'control_in' && rec.decoded?.op === 'dfu_upload' && rec.decoded.block === 3);
      cold.fake.inject({ kind: 'answer', seq, data: new Uint8Array(256) });
      const e = await caught(EdgeTpuDevice.open(cold.options));
      expect(e).to.be.instanceOf(EdgeTpuFirmwareError);
      expect(e.message).to.match(/read back .* differ/);
    });

    it('a wrong firmware file → EdgeTpuFirmwareError before any USB traffic', async function () {
      const bad = Uint8Array.from(readFileSync(sharedFile(this, FIRMWARE)));
      bad[100]! ^= 1;
      const e = await caught(EdgeTpuDevice.open({ ...cold.options, firmware: bad }));
      expect(e).to.be.instanceOf(EdgeTpuFirmwareError);
      expect(e.message).to.match(/is not apex_latest_single_ep\.bin/);
      expect(cold.fake.position).to.equal(0);
    });
  });

  it('a stalled register write → EdgeTpuProtocolError', async function () {
    warm.fake.inject({ kind: 'stall', seq: seqOf(warm, (rec) => rec.kind === 'control_out' && rec.decoded?.name === 'outfeed_chunk_length') });
    const e = await caught(EdgeTpuDevice.open(warm.options));
    expect(e).to.be.instanceOf(EdgeTpuProtocolError);
    expect(e.message).to.match(/initializing the Edge TPU: the Edge TPU rejected a transfer/);
  });

  it('a device that is not an Edge TPU chip → EdgeTpuProtocolError', async function () {
    warm.fake.inject({ kind: 'answer', seq: seqOf(warm, (rec) => rec.kind === 'control_in' && rec.decoded?.name === 'omc0_00'), data: Uint8Array.from([0x34, 0x12, 0, 0]) });
    const e = await caught(EdgeTpuDevice.open(warm.options));
    expect(e).to.be.instanceOf(EdgeTpuProtocolError);
    expect(e.message).to.match(/chip id 0x1234/);
  });

  it('a register poll that does not finish at once is repeated', async function () {
    // scu_ctrl_3 still reports the chip in reset on the first poll after leaving it.
    const seq = seqOf(warm, (rec, i, all) => rec.kind === 'control_in' && rec.decoded?.name === 'scu_ctrl_3' && all[i - 1]!.kind === 'control_out');
    warm.fake.inject({ kind: 'answer', seq, data: Uint8Array.from([0x5c, 0x02, 0x85, 0x00]) });
    await recovers(await EdgeTpuDevice.open(warm.options), warm);
  });

  it('programs this driver cannot run → InvalidExecutableError before any USB traffic', async function () {
    const tpu = await EdgeTpuDevice.open(warm.options);
    const at = warm.fake.position;
    const p = warm.program;
    const nonDeterministic: EdgeTpuProgram = { ...p, executable: { ...p.executable, fullyDeterministic: false } };
    expect(await caught(tpu.run(nonDeterministic, [warm.inputs[0]]))).to.be.instanceOf(InvalidExecutableError).with.property('message').match(/does not list all of its DMA transfers/);
    const batched: EdgeTpuProgram = { ...p, executable: { ...p.executable, batchSize: 2 } };
    expect(await caught(tpu.run(batched, [warm.inputs[0]]))).to.be.instanceOf(InvalidExecutableError).with.property('message').match(/batch size 2/);
    expect(warm.fake.position).to.equal(at);
    expect(tpu.isOpen).to.equal(true);
    await recoversOpen(tpu, warm);
  });

  it('wrong inputs → EdgeTpuInputError before any USB traffic; a closed device → EdgeTpuClosedError', async function () {
    const tpu = await EdgeTpuDevice.open(warm.options);
    const at = warm.fake.position;
    expect(await caught(tpu.run(warm.program, []))).to.be.instanceOf(EdgeTpuInputError).with.property('message').match(/takes 1 input\(s\), got 0/);
    expect(await caught(tpu.run(warm.program, [new Uint8Array(10)]))).to.be.instanceOf(EdgeTpuInputError).with.property('message').match(/input 0 \('input', 128×128×3 FIXED_POINT8\) must be 49152 bytes, got 10/);
    expect(await caught(tpu.runInto(warm.program, [warm.inputs[0]], [new Uint8Array(1008)]))).to.be.instanceOf(EdgeTpuInputError).with.property('message').match(/must be 1001 bytes/);
    expect(warm.fake.position).to.equal(at);
    await recoversOpen(tpu, warm);
    expect(await caught(tpu.run(warm.program, [warm.inputs[0]]))).to.be.instanceOf(EdgeTpuClosedError);
  });
});

/** The rest of a session on an already open device. */
async function recoversOpen(tpu: EdgeTpuDevice, r: Replay): Promise<void> {
  expect(concat(await tpu.run(r.program, [r.inputs[0]]))).to.deep.equal(r.results[0]);
  expect(concat(await tpu.run(r.program, [r.inputs[1]]))).to.deep.equal(r.results[1]);
  await tpu.close();
  r.fake.assertComplete();
}
