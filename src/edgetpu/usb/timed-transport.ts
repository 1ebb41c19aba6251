import { UsbTransportError, type UsbDeviceHandle, type UsbDeviceInfo, type UsbTransport } from './transport.js';

function timed<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UsbTransportError('timeout', `${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * Gives the operations that take no timeout of their own (listing, open, claim, release,
 * reset, close) one, so that no wait of the driver is unbounded. Transfers carry theirs.
 */
export function withTimeouts(transport: UsbTransport, ms: number): UsbTransport {
  const wrapHandle = (h: UsbDeviceHandle): UsbDeviceHandle => ({
    claimInterface: (n) => timed(`claiming interface ${n}`, ms, h.claimInterface(n)),
    releaseInterface: (n) => timed(`releasing interface ${n}`, ms, h.releaseInterface(n)),
    reset: () => timed('the USB reset', ms, h.reset()),
    close: () => timed('closing the device', ms, h.close()),
    controlIn: (s, length, t) => h.controlIn(s, length, t),
    controlOut: (s, data, t) => h.controlOut(s, data, t),
    transferIn: (e, length, t) => h.transferIn(e, length, t),
    transferOut: (e, data, t) => h.transferOut(e, data, t),
  });
  const wrapInfo = (d: UsbDeviceInfo): UsbDeviceInfo => ({
    vendorId: d.vendorId,
    productId: d.productId,
    bus: d.bus,
    ports: d.ports,
    speed: d.speed,
    open: async () => wrapHandle(await timed('opening the device', ms, d.open())),
  });
  return { listDevices: async () => (await timed('listing USB devices', ms, transport.listDevices())).map(wrapInfo) };
}
