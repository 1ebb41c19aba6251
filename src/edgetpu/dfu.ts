import { setTimeout as sleep } from 'node:timers/promises';
import { EdgeTpuFirmwareError } from './errors.js';
import type { UsbDeviceHandle } from './usb/transport.js';

/** DFU 1.1 class requests (interface recipient). */
const DFU = { DNLOAD: 1, UPLOAD: 2, GETSTATUS: 3 } as const;
const CLASS_OUT = 0x21;
const CLASS_IN = 0xa1;

const STATE = { idle: 2, dnloadSync: 3, dnloadBusy: 4, dnloadIdle: 5, manifestSync: 6, manifest: 7, manifestWaitReset: 8, error: 10 } as const;
const STATE_NAMES: Record<number, string> = {
  0: 'appIDLE', 1: 'appDETACH', 2: 'dfuIDLE', 3: 'dfuDNLOAD-SYNC', 4: 'dfuDNBUSY', 5: 'dfuDNLOAD-IDLE', 6: 'dfuMANIFEST-SYNC',
  7: 'dfuMANIFEST', 8: 'dfuMANIFEST-WAIT-RESET', 9: 'dfuUPLOAD-IDLE', 10: 'dfuERROR',
};

/** Where the bootloader takes firmware: its DFU interface and block size. */
export interface DfuTarget {
  interfaceNumber: number;
  transferSize: number;
}

/**
 * Finds the DFU interface (no endpoints, class 0xFE, subclass 1) and its functional
 * descriptor (type 0x21: wTransferSize) in a configuration descriptor. Falls back to
 * interface 0 and 256-byte blocks, which every known bootloader uses.
 */
export function findDfuTarget(config: Uint8Array): DfuTarget {
  let iface = -1;
  let inDfu = false;
  let transferSize = 0;
  for (let at = 0; at + 2 <= config.length; ) {
    const length = config[at]!;
    const type = config[at + 1]!;
    if (length < 2 || at + length > config.length) break;
    if (type === 4 && length >= 9) {
      inDfu = config[at + 4] === 0 && config[at + 5] === 0xfe && config[at + 6] === 1;
      if (inDfu && iface < 0) iface = config[at + 2]!;
    } else if (type === 0x21 && inDfu && length >= 7 && transferSize === 0) {
      transferSize = config[at + 5]! | (config[at + 6]! << 8);
    }
    at += length;
  }
  return { interfaceNumber: Math.max(iface, 0), transferSize: transferSize || 256 };
}

interface DfuStatus {
  status: number;
  pollTimeoutMs: number;
  state: number;
}

/**
 * Downloads firmware into the ROM bootloader (DFU 1.1), the way the vendor runtime does:
 * DNLOAD block by block with a GETSTATUS after each, a zero-length DNLOAD that must leave
 * the device idle, then an UPLOAD read-back that must return the image. The caller has
 * claimed `target.interfaceNumber`; it resets the device afterwards.
 */
export async function downloadFirmware(handle: UsbDeviceHandle, target: DfuTarget, image: Uint8Array, timeouts: { requestMs: number; totalMs: number }): Promise<void> {
  const { interfaceNumber: iface, transferSize } = target;
  const timeoutMs = timeouts.requestMs;
  const deadline = Date.now() + timeouts.totalMs;
  const getStatus = async (): Promise<DfuStatus> => {
    const b = await handle.controlIn({ requestType: CLASS_IN, request: DFU.GETSTATUS, value: 0, index: iface }, 6, timeoutMs);
    if (b.length < 6) throw new EdgeTpuFirmwareError(`firmware download: DFU_GETSTATUS answered ${b.length} bytes instead of 6; unplug and replug the accelerator, then try again`);
    return { status: b[0]!, pollTimeoutMs: b[1]! | (b[2]! << 8) | (b[3]! << 16), state: b[4]! };
  };
  /** GETSTATUS until the device is past the busy/sync states; then it must be in one of `wanted`. */
  const settle = async (wanted: readonly number[], step: string): Promise<void> => {
    for (;;) {
      const s = await getStatus();
      if (s.status !== 0 || s.state === STATE.error) {
        throw new EdgeTpuFirmwareError(`firmware download failed at ${step}: the bootloader reports status ${s.status}, state ${STATE_NAMES[s.state] ?? s.state}; unplug and replug the accelerator, then try again`);
      }
      if (wanted.includes(s.state)) return;
      const transient: readonly number[] = [STATE.dnloadSync, STATE.dnloadBusy, STATE.manifestSync, STATE.manifest];
      if (!transient.includes(s.state) || Date.now() > deadline) {
        if (transient.includes(s.state)) throw new EdgeTpuFirmwareError(`firmware download failed at ${step}: the bootloader stayed busy (state ${STATE_NAMES[s.state]}) for ${timeouts.totalMs} ms; unplug and replug the accelerator, then try again`);
        throw new EdgeTpuFirmwareError(`firmware download failed at ${step}: the bootloader is in state ${STATE_NAMES[s.state] ?? s.state}; unplug and replug the accelerator, then try again`);
      }
      await sleep(Math.min(s.pollTimeoutMs, 1000));
    }
  };

  let block = 0;
  for (let at = 0; at < image.length; at += transferSize, block++) {
    const data = image.subarray(at, Math.min(at + transferSize, image.length));
    await handle.controlOut({ requestType: CLASS_OUT, request: DFU.DNLOAD, value: block & 0xffff, index: iface }, data, timeoutMs);
    await settle([STATE.dnloadIdle], `block ${block}`);
  }
  // An empty block ends the download; the bootloader must then be idle.
  await handle.controlOut({ requestType: CLASS_OUT, request: DFU.DNLOAD, value: block & 0xffff, index: iface }, new Uint8Array(0), timeoutMs);
  await settle([STATE.idle, STATE.manifestWaitReset], 'the end of the download');

  // Read back and compare.
  const back = new Uint8Array(image.length);
  let got = 0;
  for (let b = 0; b <= Math.ceil(image.length / transferSize); b++) {
    const chunk = await handle.controlIn({ requestType: CLASS_IN, request: DFU.UPLOAD, value: b & 0xffff, index: iface }, transferSize, timeoutMs);
    back.set(chunk.subarray(0, Math.max(0, Math.min(chunk.length, image.length - got))), got);
    got += chunk.length;
    if (chunk.length < transferSize) break;
  }
  if (got < image.length || Buffer.compare(back, image) !== 0) {
    throw new EdgeTpuFirmwareError(`firmware download failed: the bootloader read back ${Math.min(got, image.length)} bytes that differ from the ${image.length}-byte image; unplug and replug the accelerator, then try again`);
  }
}
