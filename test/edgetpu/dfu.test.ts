import { expect } from 'chai';
import { downloadFirmware, findDfuTarget } from '../../src/edgetpu/dfu.js';
import { EdgeTpuFirmwareError } from '../../src/edgetpu/errors.js';
import type { ControlSetup, UsbDeviceHandle } from '../../src/edgetpu/index.js';

/**
 * A DFU 1.1 bootloader that answers GETSTATUS with the busy states real devices may report
 * (dfuDNBUSY with a poll timeout, dfuMANIFEST), which the recorded traces never show.
 */
class BusyBootloader implements UsbDeviceHandle {
  stored: number[] = [];
  statusReads = 0;
  private pendingBusy = 0;
  private ended = false;

  constructor(private readonly busyReads: number) {}

  async claimInterface(): Promise<void> {}
  async releaseInterface(): Promise<void> {}
  async reset(): Promise<void> {}
  async close(): Promise<void> {}
  async transferIn(): Promise<Uint8Array> {
    throw new Error('not a DFU request');
  }
  async transferOut(): Promise<void> {
    throw new Error('not a DFU request');
  }
  async controlOut(s: ControlSetup, data: Uint8Array): Promise<void> {
    expect([s.requestType, s.request, s.index]).to.deep.equal([0x21, 1, 3]);
    if (data.length === 0) this.ended = true;
    else this.stored.push(...data);
    this.pendingBusy = this.busyReads;
  }
  async controlIn(s: ControlSetup, length: number): Promise<Uint8Array> {
    if (s.request === 3) {
      this.statusReads++;
      const busy = this.pendingBusy-- > 0;
      const state = busy ? (this.ended ? 7 : 4) : this.ended ? 2 : 5;
      return Uint8Array.from([0, busy ? 2 : 0, 0, 0, state, 0]);
    }
    expect(s.request).to.equal(2);
    return Uint8Array.from(this.stored.slice(s.value * length, (s.value + 1) * length));
  }
}

describe('edgetpu DFU firmware download', function () {
  const image = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);

  it('finds the DFU interface and its transfer size in the configuration descriptor', function () {
    const fromTrace = Buffer.from('09021b0001010080320904000000fe010200092103e80300011001', 'hex');
    expect(findDfuTarget(fromTrace)).to.deep.equal({ interfaceNumber: 0, transferSize: 256 });
    // A vendor interface first, the DFU interface (number 3) second, with 64-byte blocks.
    const two = Buffer.from('09022d000201008032' + '0904000002ffffff00' + '0705810240000007050102400000' + '0904030000fe010200' + '092103000040001001', 'hex');
    expect(findDfuTarget(two)).to.deep.equal({ interfaceNumber: 3, transferSize: 64 });
    expect(findDfuTarget(new Uint8Array(0))).to.deep.equal({ interfaceNumber: 0, transferSize: 256 });
  });

  it('waits out busy and manifest states, then reads the image back', async function () {
    const dev = new BusyBootloader(2);
    await downloadFirmware(dev, { interfaceNumber: 3, transferSize: 64 }, image, { requestMs: 100, totalMs: 5000 });
    expect(Uint8Array.from(dev.stored)).to.deep.equal(image);
    expect(dev.statusReads).to.equal((Math.ceil(1000 / 64) + 1) * 3);
  });

  it('gives up on a bootloader that stays busy', async function () {
    let err: unknown;
    try {
      await downloadFirmware(new BusyBootloader(1e9), { interfaceNumber: 3, transferSize: 64 }, image, { requestMs: 100, totalMs: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(EdgeTpuFirmwareError);
    expect((err as Error).message).to.match(/stayed busy \(state dfuDNBUSY\)/);
  });
});
