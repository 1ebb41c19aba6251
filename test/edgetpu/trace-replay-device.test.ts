import { expect } from 'chai';
import { join } from 'node:path';
import { EdgeTpuDevice, EdgeTpuProtocolError, UsbTransportError, type UsbDeviceHandle } from '../../src/edgetpu/index.js';
import { loadTrace, TraceDivergenceError, TraceReplayDevice } from '../../src/testing/index.js';
import { CORAL_TEST_DATA } from '../helpers/data.js';
import { concat, setUpReplay, type Replay } from './helpers.js';
import { InterceptingTransport, type Hooks } from './intercepting-transport.js';
import { requireTraces, traceCases, type TraceCase } from './shared-data.js';

function find(model: string, scenario: TraceCase['scenario']): TraceCase | undefined {
  return traceCases().find((c) => c.model.startsWith(model) && c.scenario === scenario);
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A whole session (open, two inferences, close) through a transport that alters the driver's traffic. */
async function session(r: Replay, hooks: Hooks): Promise<void> {
  const tpu = await EdgeTpuDevice.open({ ...r.options, transport: new InterceptingTransport(r.fake, hooks) });
  expect(concat(await tpu.run(r.program, [r.inputs[0]]))).to.deep.equal(r.results[0]);
  expect(concat(await tpu.run(r.program, [r.inputs[1]]))).to.deep.equal(r.results[1]);
  await tpu.close();
  r.fake.assertComplete();
}

/**
 * The replaying device is the oracle of the driver tests, so it must catch every
 * deviation from the trace and accept exactly what the trace format allows.
 */
describe('edgetpu testing: the trace-replaying device', function () {
  requireTraces();
  let c: TraceCase;
  let r: Replay;
  beforeEach(async function () {
    const found = find('mobilenet_v1_0.25', 'warm');
    if (!found) this.skip();
    c = found;
    r = await setUpReplay(this, c);
  });

  it('catches a flipped bit in a register write, naming the record, what was expected and what came', async function () {
    const e = await caught(session(r, { controlOut: (n, _s, d) => (n === 0 ? Uint8Array.from(d, (b, i) => (i === 1 ? b ^ 0x08 : b)) : undefined) }));
    expect(e).to.be.instanceOf(TraceDivergenceError);
    const d = e as TraceDivergenceError;
    const record = r.trace.ordered[d.recordIndex]!;
    expect(record.seq).to.equal(d.seq);
    expect(record.kind).to.equal('control_out');
    expect(d.message).to.match(/mobilenet_v1_0\.25_128_quant_edgetpu\/warm/);
    expect(d.expected).to.match(/csr_write32 0x1a30c \(scu_ctrl_0\) := 0xf0059.*data 59000f00/);
    expect(d.actual).to.match(/control_out CSR 0x1a30c .*data 59080f00/);
    expect(r.fake.divergence).to.equal(e);
  });

  it('catches a skipped register write', async function () {
    const e = await caught(session(r, { controlOut: (n) => (n === 0 ? 'skip' : undefined) }));
    expect(e).to.be.instanceOf(TraceDivergenceError);
    expect((e as TraceDivergenceError).expected).to.match(/^control_out csr_write32 0x1a30c/);
    expect((e as TraceDivergenceError).actual).to.match(/^control_in CSR 0x1a314/);
  });

  it('catches one wrong input byte, naming the payload byte', async function () {
    const e = await caught(session(r, { transferOut: (_n, _ep, d) => (d.length === 49152 ? [Uint8Array.from(d, (b, i) => (i === 1000 ? b ^ 1 : b))] : undefined) }));
    expect(e).to.be.instanceOf(TraceDivergenceError);
    expect((e as TraceDivergenceError).actual).to.match(/input_activations byte 1000, request 1/);
  });

  it('ignores instruction bytes inside a patched address field, and only those', async function () {
    // Bytes 72..76 hold the parameter address field (bits 582..613) of both bitstreams.
    await session(r, { transferOut: (_n, _ep, d) => (d.length === 170032 ? [Uint8Array.from(d, (b, i) => (i === 73 ? b ^ 0xff : b))] : undefined) });
    r.fake.replug();
    const e = await caught(session(r, { transferOut: (_n, _ep, d) => (d.length === 170032 ? [Uint8Array.from(d, (b, i) => (i === 71 ? b ^ 0xff : b))] : undefined) }));
    expect(e).to.be.instanceOf(TraceDivergenceError);
    expect((e as TraceDivergenceError).actual).to.match(/instructions byte 71, request 1/);
  });

  it('compares the bulk-out stream, not how it is cut into transfers', async function () {
    let header: Uint8Array | null = null;
    await session(r, {
      transferOut: (_n, _ep, d) => {
        if (d.length === 8) {
          header = Uint8Array.from(d);
          return [];
        }
        const joined = concat([header!, d]);
        header = null;
        const parts: Uint8Array[] = [];
        for (let at = 0; at < joined.length; at += 3000) parts.push(joined.subarray(at, at + 3000));
        return parts;
      },
    });
  });

  it('lets the driver poll a polled register again, but not read another register twice', async function () {
    await session(r, { controlIn: (_n, s) => (s.index === 4 && s.value === 0x8788 ? 'twice' : undefined) });
    r.fake.replug();
    const e = await caught(session(r, { controlIn: (_n, s) => (s.index === 1 && s.value === 0xa000 ? 'twice' : undefined) }));
    expect(e).to.be.instanceOf(TraceDivergenceError);
    expect((e as TraceDivergenceError).actual).to.match(/control_in CSR 0x1a000/);
  });

  it('reports a session that stops early, and one that closes too soon', async function () {
    const tpu = await EdgeTpuDevice.open(r.options);
    await tpu.run(r.program, [r.inputs[0]]);
    expect(() => r.fake.assertComplete()).to.throw(TraceDivergenceError, /ended early/);
    const e = await caught(tpu.close());
    expect(e).to.be.instanceOf(TraceDivergenceError);
    expect((e as TraceDivergenceError).expected).to.match(/^bulk_out 8 bytes .*header of instructions, request 2/);
  });

  it('answers reads by USB packet rules: a read shorter than the device transfer overflows', async function () {
    const usb2 = find('mobilenet_v1_0.25', 'warm-usb2');
    if (!usb2) this.skip();
    const r2 = await setUpReplay(this, usb2);
    const tpu = await EdgeTpuDevice.open({ ...r2.options, transport: new InterceptingTransport(r2.fake, { transferIn: (ep) => (ep === 0x81 ? 100 : undefined) }) });
    const e = await caught(tpu.run(r2.program, [r2.inputs[0]]));
    expect(e).to.be.instanceOf(EdgeTpuProtocolError);
    expect((e as Error).message).to.match(/overflow: the driver asked for 100 bytes, the device sends a 256-byte transfer/);
  });

  it('never answers on the interrupt endpoint', async function () {
    const [dev] = await r.fake.listDevices();
    const h = await dev!.open();
    const e = await caught(h.transferIn(0x83, 4, 30));
    expect(e).to.be.instanceOf(UsbTransportError);
    expect((e as UsbTransportError).kind).to.equal('timeout');
  });

  it('starts as the bootloader and re-enumerates after the firmware download; older handles die', async function () {
    const cold = find('mobilenet_v1_0.25', 'cold');
    if (!cold) this.skip();
    const rc = await setUpReplay(this, cold);
    expect((await rc.fake.listDevices()).map((d) => [d.vendorId, d.productId])).to.deep.equal([[0x1a6e, 0x089a]]);
    const handles: UsbDeviceHandle[] = [];
    const tpu = await EdgeTpuDevice.open({ ...rc.options, transport: new InterceptingTransport(rc.fake, { opened: (h) => handles.push(h) }) });
    expect((await rc.fake.listDevices()).map((d) => [d.vendorId, d.productId])).to.deep.equal([[0x18d1, 0x9302]]);
    expect(handles).to.have.length(3);
    const e = await caught(handles[1]!.controlIn({ requestType: 0xc0, request: 1, value: 0xa000, index: 1 }, 4, 100));
    expect((e as UsbTransportError).kind).to.equal('disconnected');
    await tpu.run(rc.program, [rc.inputs[0]]);
    await tpu.run(rc.program, [rc.inputs[1]]);
    await tpu.close();
    rc.fake.assertComplete();
  });

  it('refuses a model the trace was not recorded with', async function () {
    const other = join(CORAL_TEST_DATA, 'mobilenet_v2_1.0_224_quant_edgetpu.tflite');
    let err: unknown;
    try {
      await loadTrace(c.dir, c.scenario, { model: other });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/not mobilenet_v1_0\.25_128_quant_edgetpu\.tflite the trace was recorded with/);
    expect(new TraceReplayDevice(r.trace).speed).to.equal('super');
  });
});
