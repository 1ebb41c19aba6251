/**
 * The part of USB the Edge TPU driver uses, behind an interface of our own so that the
 * real `usb` package (node-usb-transport.ts) and the trace-replaying fake device
 * (edgetpu-learn/testing) are interchangeable. Endpoints are full addresses (0x01, 0x81...).
 */

export type UsbSpeed = 'low' | 'full' | 'high' | 'super' | 'superPlus' | 'unknown';

/** A control request: bmRequestType (direction, type and recipient bits), bRequest, wValue, wIndex. */
export interface ControlSetup {
  readonly requestType: number;
  readonly request: number;
  readonly value: number;
  readonly index: number;
}

/** A device as enumeration shows it, before it is opened. */
export interface UsbDeviceInfo {
  readonly vendorId: number;
  readonly productId: number;
  /** Bus number (or the platform's bus id). */
  readonly bus: string;
  /** Port numbers from the root hub down to the device, e.g. [1, 4]. */
  readonly ports: readonly number[];
  readonly speed: UsbSpeed;
  open(): Promise<UsbDeviceHandle>;
}

/**
 * An opened device. Every transfer takes a timeout; methods reject with UsbTransportError.
 * `reset` rejects with kind 'disconnected' when the device comes back as another device
 * (after a firmware download): the handle is then dead and the device must be found again.
 */
export interface UsbDeviceHandle {
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
  controlIn(setup: ControlSetup, length: number, timeoutMs: number): Promise<Uint8Array>;
  controlOut(setup: ControlSetup, data: Uint8Array, timeoutMs: number): Promise<void>;
  /** Reads up to `length` bytes: completes at `length` or at a short packet. */
  transferIn(endpoint: number, length: number, timeoutMs: number): Promise<Uint8Array>;
  transferOut(endpoint: number, data: Uint8Array, timeoutMs: number): Promise<void>;
}

/** Lists the USB devices currently attached. */
export interface UsbTransport {
  listDevices(): Promise<UsbDeviceInfo[]>;
}

/** What went wrong at the USB level, independent of the library underneath. */
export type UsbErrorKind =
  | 'disconnected'
  | 'access-denied'
  | 'busy'
  | 'timeout'
  | 'stall'
  /** The OS has no usable driver bound (Windows without WinUSB). */
  | 'driver'
  | 'io';

export class UsbTransportError extends Error {
  readonly kind: UsbErrorKind;

  constructor(kind: UsbErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsbTransportError';
    this.kind = kind;
  }
}

/** The sysfs-style path libedgetpu uses to name a device: /sys/bus/usb/devices/<bus>-<port>.<port>... */
export function usbDevicePath(info: Pick<UsbDeviceInfo, 'bus' | 'ports'>): string {
  const bus = /^\d+$/.test(info.bus) ? String(Number(info.bus)) : info.bus;
  return `/sys/bus/usb/devices/${bus}-${info.ports.join('.')}`;
}
