import {
  UsbTransportError,
  type ControlSetup,
  type UsbDeviceHandle,
  type UsbDeviceInfo,
  type UsbErrorKind,
  type UsbSpeed,
  type UsbTransport,
} from './transport.js';

/**
 * The part of the `usb` package's (3.x, WebUSB-style, on nusb) device object we use. Typed
 * here so that this file does not depend on the DOM's WebUSB type declarations.
 */
interface WebUsbSetup {
  requestType: 'standard' | 'class' | 'vendor';
  recipient: 'device' | 'interface' | 'endpoint' | 'other';
  request: number;
  value: number;
  index: number;
}
interface InResult {
  data?: DataView;
  status: string;
}
interface OutResult {
  bytesWritten: number;
  status: string;
}
interface NodeUsbDevice {
  vendorId: number;
  productId: number;
  bus: string;
  ports: number[];
  speed?: string;
  open(): Promise<void>;
  close(): Promise<void>;
  reset(): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  controlTransferIn(setup: WebUsbSetup, length: number, timeout?: number): Promise<InResult>;
  controlTransferOut(setup: WebUsbSetup, data: Uint8Array, timeout?: number): Promise<OutResult>;
  transferIn(endpointNumber: number, length: number, timeout?: number): Promise<InResult>;
  transferOut(endpointNumber: number, data: Uint8Array, timeout?: number): Promise<OutResult>;
}
interface NodeUsbModule {
  usb: { getDevices(): Promise<NodeUsbDevice[]> };
}

/** Sorts an error of the `usb` package (nusb's messages) into a UsbErrorKind. */
export function classifyUsbError(e: unknown): UsbErrorKind {
  const m = e instanceof Error ? e.message : String(e);
  if (/permission denied|access denied|os error 13\b|EACCES/i.test(m)) return 'access-denied';
  if (/incompatible driver|winusb|not supported/i.test(m)) return 'driver';
  if (/busy|already claimed|already in use|os error 16\b/i.test(m)) return 'busy';
  if (/disconnected|device not found|no such device|os error 19\b|ENODEV/i.test(m)) return 'disconnected';
  if (/stall/i.test(m)) return 'stall';
  if (/cancel|timed out|timeout/i.test(m)) return 'timeout';
  return 'io';
}

async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsbTransportError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new UsbTransportError(classifyUsbError(e), `${what}: ${message}`, { cause: e });
  }
}

function webUsbSetup(s: ControlSetup): WebUsbSetup {
  const types = ['standard', 'class', 'vendor'] as const;
  const recipients = ['device', 'interface', 'endpoint', 'other'] as const;
  const type = types[(s.requestType >> 5) & 3];
  const recipient = recipients[s.requestType & 0x1f];
  if (!type || !recipient) throw new UsbTransportError('io', `bmRequestType 0x${s.requestType.toString(16)} is not supported`);
  return { requestType: type, recipient, request: s.request, value: s.value, index: s.index };
}

const bytesOf = (v: DataView | undefined): Uint8Array =>
  v ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(0);

const SPEEDS: Record<string, UsbSpeed> = { low: 'low', full: 'full', high: 'high', super: 'super', superPlus: 'superPlus' };

class NodeUsbHandle implements UsbDeviceHandle {
  constructor(private readonly dev: NodeUsbDevice) {}

  claimInterface(n: number): Promise<void> {
    return call(`claim interface ${n}`, () => this.dev.claimInterface(n));
  }

  releaseInterface(n: number): Promise<void> {
    return call(`release interface ${n}`, () => this.dev.releaseInterface(n));
  }

  reset(): Promise<void> {
    return call('reset', () => this.dev.reset());
  }

  close(): Promise<void> {
    return call('close', () => this.dev.close());
  }

  controlIn(setup: ControlSetup, length: number, timeoutMs: number): Promise<Uint8Array> {
    return call('control transfer in', async () => {
      const r = await this.dev.controlTransferIn(webUsbSetup(setup), length, timeoutMs);
      if (r.status !== 'ok') throw new UsbTransportError('stall', `control transfer in: ${r.status}`);
      return Uint8Array.from(bytesOf(r.data));
    });
  }

  controlOut(setup: ControlSetup, data: Uint8Array, timeoutMs: number): Promise<void> {
    return call('control transfer out', async () => {
      const r = await this.dev.controlTransferOut(webUsbSetup(setup), data, timeoutMs);
      if (r.status !== 'ok') throw new UsbTransportError('stall', `control transfer out: ${r.status}`);
    });
  }

  transferIn(endpoint: number, length: number, timeoutMs: number): Promise<Uint8Array> {
    return call(`read from endpoint 0x${endpoint.toString(16)}`, async () => {
      const r = await this.dev.transferIn(endpoint & 0x0f, length, timeoutMs);
      if (r.status !== 'ok') throw new UsbTransportError(r.status === 'stall' ? 'stall' : 'io', `endpoint 0x${endpoint.toString(16)}: ${r.status}`);
      return bytesOf(r.data);
    });
  }

  transferOut(endpoint: number, data: Uint8Array, timeoutMs: number): Promise<void> {
    return call(`write to endpoint 0x${endpoint.toString(16)}`, async () => {
      const r = await this.dev.transferOut(endpoint & 0x0f, data, timeoutMs);
      if (r.status !== 'ok') throw new UsbTransportError(r.status === 'stall' ? 'stall' : 'io', `endpoint 0x${endpoint.toString(16)}: ${r.status}`);
      if (r.bytesWritten !== data.length) throw new UsbTransportError('io', `endpoint 0x${endpoint.toString(16)}: wrote ${r.bytesWritten} of ${data.length} bytes`);
    });
  }
}

/** The real USB bus, through the `usb` package (loaded on first use). */
export class NodeUsbTransport implements UsbTransport {
  private module: Promise<NodeUsbModule> | null = null;

  private load(): Promise<NodeUsbModule> {
    this.module ??= import('usb').then((m) => m as unknown as NodeUsbModule).catch((e: unknown) => {
      this.module = null;
      throw new UsbTransportError('driver', `the 'usb' package could not be loaded (${e instanceof Error ? e.message : String(e)}); reinstall edgetpu-learn so that npm fetches its native module for this platform`, { cause: e });
    });
    return this.module;
  }

  async listDevices(): Promise<UsbDeviceInfo[]> {
    const { usb } = await this.load();
    let devices: NodeUsbDevice[];
    try {
      devices = await usb.getDevices();
    } catch (e) {
      // No USB subsystem at all (a container without /sys/bus/usb): no devices.
      if (e instanceof Error && /\/sys\/bus\/usb\/devices\/? not found/.test(e.message)) return [];
      throw new UsbTransportError(classifyUsbError(e), `listing USB devices: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return devices.map((dev) => ({
      vendorId: dev.vendorId,
      productId: dev.productId,
      bus: String(dev.bus),
      ports: [...dev.ports],
      speed: SPEEDS[dev.speed ?? ''] ?? 'unknown',
      open: async () => {
        await call('open', () => dev.open());
        return new NodeUsbHandle(dev);
      },
    }));
  }
}
