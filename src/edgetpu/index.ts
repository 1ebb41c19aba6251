/** The Coral USB Accelerator driver: discovery, firmware, open, parameter caching, inference. */
export { EdgeTpuDevice, DEFAULT_TIMEOUTS, type EdgeTpuOptions, type EdgeTpuTimeouts } from './device.js';
export { listEdgeTpus, EDGETPU_USB_IDS, type EdgeTpuInfo } from './discovery.js';
export { resolveFirmware, defaultFirmwareCacheDir, FIRMWARE, type FirmwareOptions } from './firmware.js';
export * from './compiled-model/index.js';
export {
  InvalidExecutableError,
  UnsupportedRuntimeVersionError,
  EdgeTpuNotFoundError,
  EdgeTpuPermissionError,
  EdgeTpuBusyError,
  EdgeTpuDisconnectedError,
  EdgeTpuTimeoutError,
  EdgeTpuFirmwareError,
  EdgeTpuProtocolError,
  EdgeTpuInputError,
  EdgeTpuClosedError,
} from './errors.js';
export { NodeUsbTransport } from './usb/node-usb-transport.js';
export { UsbTransportError, usbDevicePath, type UsbTransport, type UsbDeviceInfo, type UsbDeviceHandle, type ControlSetup, type UsbSpeed, type UsbErrorKind } from './usb/transport.js';
// Importing the driver registers the interpreter kernel of the edgetpu-custom-op.
export { registerEdgeTpu } from './edgetpu-kernel.js';
