import { setTimeout as sleep } from 'node:timers/promises';
import { EdgeTpuProtocolError, EdgeTpuTimeoutError } from './errors.js';
import type { UsbDeviceHandle } from './usb/transport.js';

const VENDOR_OUT = 0x40;
const VENDOR_IN = 0xc0;
const REQ_CSR64 = 0;
const REQ_CSR32 = 1;

const hex = (v: number | bigint) => '0x' + v.toString(16);

/**
 * Register reads and writes over vendor control transfers: bRequest 0 for 64-bit and 1
 * for 32-bit registers, the address split into wIndex (high bits) and wValue (low 16).
 */
export class CsrAccess {
  constructor(
    private readonly handle: UsbDeviceHandle,
    private readonly controlTimeoutMs: number,
    private readonly pollTimeoutMs: number,
  ) {}

  private setup(requestType: number, request: number, addr: number) {
    return { requestType, request, value: addr & 0xffff, index: addr >>> 16 };
  }

  private async read(addr: number, width: 4 | 8): Promise<DataView> {
    const bytes = await this.handle.controlIn(this.setup(VENDOR_IN, width === 8 ? REQ_CSR64 : REQ_CSR32, addr), width, this.controlTimeoutMs);
    if (bytes.length !== width) throw new EdgeTpuProtocolError(`reading register ${hex(addr)}: the device answered ${bytes.length} bytes instead of ${width}; unplug and replug the Edge TPU`);
    return new DataView(bytes.buffer, bytes.byteOffset, width);
  }

  async read32(addr: number): Promise<number> {
    return (await this.read(addr, 4)).getUint32(0, true);
  }

  async read64(addr: number): Promise<bigint> {
    return (await this.read(addr, 8)).getBigUint64(0, true);
  }

  async write32(addr: number, value: number): Promise<void> {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, value >>> 0, true);
    await this.handle.controlOut(this.setup(VENDOR_OUT, REQ_CSR32, addr), data, this.controlTimeoutMs);
  }

  async write64(addr: number, value: bigint): Promise<void> {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigUint64(0, value, true);
    await this.handle.controlOut(this.setup(VENDOR_OUT, REQ_CSR64, addr), data, this.controlTimeoutMs);
  }

  /** Reads a 32-bit register until `done` accepts it; the vendor runtime waits forever, we do not. */
  async poll32(addr: number, done: (v: number) => boolean, what: string): Promise<number> {
    return this.poll(() => this.read32(addr), done, addr, what);
  }

  async poll64(addr: number, done: (v: bigint) => boolean, what: string): Promise<bigint> {
    return this.poll(() => this.read64(addr), done, addr, what);
  }

  private async poll<T extends number | bigint>(read: () => Promise<T>, done: (v: T) => boolean, addr: number, what: string): Promise<T> {
    const deadline = Date.now() + this.pollTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const v = await read();
      if (done(v)) return v;
      if (Date.now() > deadline) {
        throw new EdgeTpuTimeoutError(`waiting for ${what}: register ${hex(addr)} still reads ${hex(v)} after ${this.pollTimeoutMs} ms; unplug and replug the Edge TPU`);
      }
      await sleep(attempt < 10 ? 0 : 1);
    }
  }
}
