import { mapUsbError } from './error-mapping.js';
import { NodeUsbTransport } from './usb/node-usb-transport.js';
import { withTimeouts } from './usb/timed-transport.js';
import { usbDevicePath, type UsbDeviceInfo, type UsbSpeed, type UsbTransport } from './usb/transport.js';

/** USB identities of the Coral USB Accelerator. */
export const EDGETPU_USB_IDS = {
  /** The ROM bootloader, before the firmware is downloaded (after every power-up). */
  bootloader: { vendorId: 0x1a6e, productId: 0x089a },
  /** The running firmware. */
  ready: { vendorId: 0x18d1, productId: 0x9302 },
} as const;

export interface EdgeTpuInfo {
  /** libedgetpu-style path: /sys/bus/usb/devices/<bus>-<port>[.<port>...]; pass it as the `path` option. */
  readonly path: string;
  /** 'bootloader' until the firmware is downloaded (done automatically on open), then 'ready'. */
  readonly state: 'bootloader' | 'ready';
  readonly vendorId: number;
  readonly productId: number;
  readonly bus: string;
  readonly ports: readonly number[];
  readonly speed: UsbSpeed;
}

let defaultTransport: UsbTransport | null = null;

/** The USB bus used when no `transport` option is given: the real one (the `usb` package), created on first use, unless a test set another. */
export function defaultUsbTransport(): UsbTransport {
  return (defaultTransport ??= new NodeUsbTransport());
}

/**
 * Test seam: makes `transport` (e.g. edgetpu-learn/testing's TraceReplayDevice) the bus that
 * discovery, EdgeTpuDevice.open() and the interpreter's 'usb'/'auto' devices use when given no
 * transport, so that code which never passes one can be tested without hardware. null goes
 * back to the real USB bus. Devices already open keep the transport they were opened with.
 */
export function setDefaultUsbTransport(transport: UsbTransport | null): void {
  defaultTransport = transport;
}

export function edgeTpuState(d: Pick<UsbDeviceInfo, 'vendorId' | 'productId'>): EdgeTpuInfo['state'] | null {
  const { bootloader, ready } = EDGETPU_USB_IDS;
  if (d.vendorId === bootloader.vendorId && d.productId === bootloader.productId) return 'bootloader';
  if (d.vendorId === ready.vendorId && d.productId === ready.productId) return 'ready';
  return null;
}

/** The Edge TPU devices among the USB devices, with their descriptions, sorted by path. */
export async function findEdgeTpus(transport: UsbTransport): Promise<{ info: EdgeTpuInfo; device: UsbDeviceInfo }[]> {
  let devices: UsbDeviceInfo[];
  try {
    devices = await transport.listDevices();
  } catch (e) {
    throw mapUsbError(e, 'listing USB devices');
  }
  const out: { info: EdgeTpuInfo; device: UsbDeviceInfo }[] = [];
  for (const d of devices) {
    const state = edgeTpuState(d);
    if (!state) continue;
    out.push({ device: d, info: { path: usbDevicePath(d), state, vendorId: d.vendorId, productId: d.productId, bus: d.bus, ports: [...d.ports], speed: d.speed } });
  }
  return out.sort((a, b) => (a.info.path < b.info.path ? -1 : a.info.path > b.info.path ? 1 : 0));
}

/** Lists the Coral USB Accelerators plugged in, in the bootloader or ready state. */
export async function listEdgeTpus(options: { transport?: UsbTransport; timeoutMs?: number } = {}): Promise<EdgeTpuInfo[]> {
  return (await findEdgeTpus(withTimeouts(options.transport ?? defaultUsbTransport(), options.timeoutMs ?? 10_000))).map((x) => x.info);
}
