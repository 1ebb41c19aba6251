import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { EdgeTpuFirmwareError } from './errors.js';

/** The firmware the vendor runtime downloads in its default (single bulk-out endpoint) mode. */
export const FIRMWARE = {
  file: 'apex_latest_single_ep.bin',
  bytes: 10783,
  sha256: '3b07311b174b81fd14fd2c887f40d646c0ebf2f140cc5ee5cf8befa0f3e3dc7f',
  /** google-coral/libedgetpu at a pinned commit (Apache-2.0). */
  url: 'https://raw.githubusercontent.com/google-coral/libedgetpu/e35aed18fea2e2d25d98352e5a5bd357c170bd4d/driver/usb/apex_latest_single_ep.bin',
} as const;

export interface FirmwareOptions {
  /** The firmware image itself, or the path of apex_latest_single_ep.bin. */
  firmware?: Uint8Array | string;
  /** Where a downloaded copy is kept (default $XDG_CACHE_HOME/edgetpu-learn or ~/.cache/edgetpu-learn). */
  firmwareCacheDir?: string;
  /** Set false to never download (offline machines): then the firmware must come from elsewhere. */
  downloadFirmware?: boolean;
  /** Where to download from (default: the pinned URL in FIRMWARE); the sha256 is checked either way. */
  firmwareUrl?: string;
}

export function defaultFirmwareCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edgetpu-learn');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function verified(bytes: Uint8Array, from: string): Uint8Array {
  if (sha256(bytes) !== FIRMWARE.sha256) {
    throw new EdgeTpuFirmwareError(
      `${from} is not ${FIRMWARE.file} (its sha256 is not ${FIRMWARE.sha256}); use the file from google-coral/libedgetpu driver/usb/, or remove it and let edgetpu-learn download it`,
    );
  }
  return bytes;
}

async function readIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EdgeTpuFirmwareError(`cannot read the firmware at ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Finds the accelerator's firmware: the `firmware` option, else the file named by the
 * EDGETPU_FIRMWARE environment variable, else the cache folder, else a download from the
 * pinned URL (saved to the cache). Every source is checked against the known sha256.
 */
export async function resolveFirmware(options: FirmwareOptions = {}): Promise<Uint8Array> {
  if (options.firmware instanceof Uint8Array) return verified(options.firmware, 'the firmware given');
  const explicit = options.firmware ?? process.env.EDGETPU_FIRMWARE;
  if (explicit) {
    const bytes = await readIfExists(explicit);
    if (!bytes) {
      const via = options.firmware ? 'the firmware option' : 'EDGETPU_FIRMWARE';
      throw new EdgeTpuFirmwareError(`${via} names ${explicit}, which does not exist; point it at ${FIRMWARE.file} or unset it to let edgetpu-learn download the firmware`);
    }
    return verified(bytes, explicit);
  }
  const cached = join(options.firmwareCacheDir ?? defaultFirmwareCacheDir(), FIRMWARE.file);
  const fromCache = await readIfExists(cached);
  if (fromCache && sha256(fromCache) === FIRMWARE.sha256) return fromCache;
  if (options.downloadFirmware === false) {
    throw new EdgeTpuFirmwareError(
      `the Edge TPU needs its firmware (${FIRMWARE.file}) and downloading is disabled: download ${FIRMWARE.url} and set EDGETPU_FIRMWARE to its path, or put it at ${cached}`,
    );
  }
  const bytes = verified(await download(options.firmwareUrl ?? FIRMWARE.url), `the file downloaded from ${options.firmwareUrl ?? FIRMWARE.url}`);
  try {
    await mkdir(dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, cached);
  } catch {
    // A read-only cache only costs a download next time.
  }
  return bytes;
}

async function download(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new EdgeTpuFirmwareError(
      `cannot download the Edge TPU firmware from ${url} (${(e as Error).message}); on an offline machine download it elsewhere and set EDGETPU_FIRMWARE to its path`,
      { cause: e },
    );
  }
  if (!response.ok) {
    throw new EdgeTpuFirmwareError(`cannot download the Edge TPU firmware from ${url}: HTTP ${response.status}; set EDGETPU_FIRMWARE to a local copy of ${FIRMWARE.file}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}
