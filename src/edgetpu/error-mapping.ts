import { platform } from 'node:os';
import {
  EdgeTpuBusyError,
  EdgeTpuDisconnectedError,
  EdgeTpuPermissionError,
  EdgeTpuProtocolError,
  EdgeTpuTimeoutError,
} from './errors.js';
import type { EdgeTpuLearnError } from '../errors.js';
import { UsbTransportError } from './usb/transport.js';

/** What a user must install so that the device can be opened, per platform. */
export function accessAdvice(os: string = platform()): string {
  if (os === 'win32') {
    return 'Windows needs the WinUSB driver bound to both identities of the accelerator (1a6e:089a before the firmware download, 18d1:9302 after): install the Edge TPU runtime for Windows (it ships the driver INF files of google-coral/libedgetpu, coral_accelerator_windows/) or bind WinUSB to both with Zadig, then replug the accelerator';
  }
  if (os === 'darwin') {
    return 'on macOS no driver is needed: check that no other program (a Python pycoral process, a VM with USB pass-through) holds the accelerator, then replug it';
  }
  return (
    'on Linux, allow your user to open the accelerator with a udev rule for both of its identities: create /etc/udev/rules.d/71-edgetpu.rules with\n' +
    '  SUBSYSTEMS=="usb", ATTRS{idVendor}=="1a6e", ATTRS{idProduct}=="089a", MODE="0664", GROUP="plugdev", TAG+="uaccess"\n' +
    '  SUBSYSTEMS=="usb", ATTRS{idVendor}=="18d1", ATTRS{idProduct}=="9302", MODE="0664", GROUP="plugdev", TAG+="uaccess"\n' +
    'then run `sudo udevadm control --reload-rules && sudo udevadm trigger`, add yourself to plugdev (`sudo usermod -aG plugdev $USER`, then log in again) and replug the accelerator'
  );
}

/**
 * Turns a USB-level failure during `what` into the library's typed error with a message
 * that says what to do. Errors that are not UsbTransportError pass through unchanged.
 */
export function mapUsbError(e: unknown, what: string): unknown {
  if (!(e instanceof UsbTransportError)) return e;
  const detail = ` (${e.message})`;
  let out: EdgeTpuLearnError;
  switch (e.kind) {
    case 'access-denied':
    case 'driver':
      out = new EdgeTpuPermissionError(`${what}: the operating system denied access to the Edge TPU${detail}; ${accessAdvice()}`, { cause: e });
      break;
    case 'busy':
      out = new EdgeTpuBusyError(`${what}: the Edge TPU is in use by another program or handle${detail}; close the other user (another edgetpu-learn process, a pycoral/TFLite delegate, a container with the device passed through) and try again`, { cause: e });
      break;
    case 'disconnected':
      out = new EdgeTpuDisconnectedError(`${what}: the Edge TPU went away (unplugged, reset or power loss)${detail}; plug it back in, preferably into a USB 3 port with enough power, and try again: the next call opens it again`, { cause: e });
      break;
    case 'timeout':
      out = new EdgeTpuTimeoutError(`${what}: the Edge TPU did not answer in time${detail}; unplug and replug it, then try again (if it keeps happening, try another cable or port, or raise the timeouts option)`, { cause: e });
      break;
    default:
      out = new EdgeTpuProtocolError(`${what}: the Edge TPU rejected a transfer${detail}; unplug and replug it, then try again`, { cause: e });
  }
  return out;
}
