import { expect } from 'chai';
import { classifyUsbError } from '../../src/edgetpu/usb/node-usb-transport.js';
import { mapUsbError } from '../../src/edgetpu/error-mapping.js';
import { UsbTransportError, usbDevicePath } from '../../src/edgetpu/usb/transport.js';
import { EdgeTpuBusyError, EdgeTpuDisconnectedError, EdgeTpuPermissionError, EdgeTpuProtocolError, EdgeTpuTimeoutError } from '../../src/edgetpu/errors.js';

describe('edgetpu USB error classification', function () {
  it('sorts the usb package\'s (nusb) messages into kinds', function () {
    const cases: [string, string][] = [
      ['open error: permission denied (os error 13)', 'access-denied'],
      ['open error: incompatible driver is installed for this device', 'driver'],
      ['claimInterface error: interface is busy (os error 16)', 'busy'],
      ['transferIn error: Disconnected', 'disconnected'],
      ['controlTransferIn error: device disconnected', 'disconnected'],
      ['transferIn error: Cancelled', 'timeout'],
      ['controlTransferOut error: transfer was cancelled', 'timeout'],
      ['transferOut error: Stall', 'stall'],
      ['controlTransferIn error: endpoint stalled', 'stall'],
      ['transferIn error: Fault', 'io'],
    ];
    for (const [message, kind] of cases) expect(classifyUsbError(new Error(message)), message).to.equal(kind);
  });

  it('maps each kind to a typed, actionable error; other errors pass through', function () {
    const map = (kind: ConstructorParameters<typeof UsbTransportError>[0]) => mapUsbError(new UsbTransportError(kind, 'x'), 'doing y');
    expect(map('access-denied')).to.be.instanceOf(EdgeTpuPermissionError);
    expect(map('driver')).to.be.instanceOf(EdgeTpuPermissionError);
    expect(map('busy')).to.be.instanceOf(EdgeTpuBusyError);
    expect(map('disconnected')).to.be.instanceOf(EdgeTpuDisconnectedError);
    expect(map('timeout')).to.be.instanceOf(EdgeTpuTimeoutError);
    expect(map('stall')).to.be.instanceOf(EdgeTpuProtocolError);
    expect((map('timeout') as Error).message).to.match(/^doing y: .*\(x\)/);
    const other = new RangeError('z');
    expect(mapUsbError(other, 'w')).to.equal(other);
  });

  it('names devices the way libedgetpu does', function () {
    expect(usbDevicePath({ bus: '002', ports: [1, 4] })).to.equal('/sys/bus/usb/devices/2-1.4');
    expect(usbDevicePath({ bus: '1', ports: [3] })).to.equal('/sys/bus/usb/devices/1-3');
  });
});
