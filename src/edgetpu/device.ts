import { setTimeout as sleep } from 'node:timers/promises';
import { initializeChip, OUTFEED_CHUNK, shutdownChip } from './chip-setup.js';
import type { EdgeTpuProgram } from './compiled-model/index.js';
import { CsrAccess } from './csr.js';
import { downloadFirmware, findDfuTarget } from './dfu.js';
import { defaultUsbTransport, edgeTpuState, findEdgeTpus, type EdgeTpuInfo } from './discovery.js';
import { mapUsbError } from './error-mapping.js';
import {
  EdgeTpuClosedError,
  EdgeTpuDisconnectedError,
  EdgeTpuFirmwareError,
  EdgeTpuInputError,
  EdgeTpuNotFoundError,
  EdgeTpuProtocolError,
  EdgeTpuTimeoutError,
} from './errors.js';
import { resolveFirmware, type FirmwareOptions } from './firmware.js';
import { applyCopyPlan } from './io/copy-plan.js';
import { stageInput } from './io/input-staging.js';
import { flipSignBits } from './io/sign-flip.js';
import { ParameterCache } from './parameter-cache.js';
import { prepareProgram, type PreparedProgram } from './prepared-program.js';
import { RequestRunner } from './request-runner.js';
import { withTimeouts } from './usb/timed-transport.js';
import { UsbTransportError, type UsbDeviceHandle, type UsbDeviceInfo, type UsbTransport } from './usb/transport.js';

/** Time limits; every wait of the driver has one. */
export interface EdgeTpuTimeouts {
  /** One register access or DFU request (default 1000 ms). */
  controlMs: number;
  /** Waiting for a register to reach a state, e.g. leaving reset (default 1000 ms). */
  pollMs: number;
  /** One bulk transfer (default 10 s). */
  transferMs: number;
  /** One inference, from its first byte sent to its last event (default 30 s). */
  requestMs: number;
  /** The whole firmware download and read-back (default 20 s). */
  firmwareMs: number;
  /** Waiting for the device to come back after a USB reset or the firmware download (default 10 s). */
  reconnectMs: number;
}

export const DEFAULT_TIMEOUTS: EdgeTpuTimeouts = { controlMs: 1000, pollMs: 1000, transferMs: 10_000, requestMs: 30_000, firmwareMs: 20_000, reconnectMs: 10_000 };

export interface EdgeTpuOptions extends FirmwareOptions {
  /** The USB implementation (default: the `usb` package; tests pass a TraceReplayDevice). */
  transport?: UsbTransport;
  /** Which accelerator, by the path listEdgeTpus() reports (default: the first one). */
  path?: string;
  timeouts?: Partial<EdgeTpuTimeouts>;
  /** Pause after a USB reset before opening the device again (default 1000 ms, as the vendor runtime). */
  resetDelayMs?: number;
}

const INTERFACE = 0;
const GET_DESCRIPTOR = { requestType: 0x80, request: 6 } as const;
const DESCRIPTOR = { device: 1, configuration: 2 } as const;
const CONFIG_DESCRIPTOR_REQUEST = 9 + 512;

/**
 * One Coral USB Accelerator. open() finds it, downloads the firmware when it is still in
 * its bootloader, and initializes it; run() executes a compiled program (loading its
 * parameters into the device's cache first when needed). Calls are served one at a time,
 * in order. After a fault (unplugged, timeout...) the USB handle is released and the next
 * run() opens the device again.
 */
export class EdgeTpuDevice {
  private readonly transport: UsbTransport;
  private readonly timeouts: EdgeTpuTimeouts;
  private readonly resetDelayMs: number;
  private handle: UsbDeviceHandle | null = null;
  private claimed = false;
  private runner: RequestRunner | null = null;
  private current: EdgeTpuInfo | null = null;
  private path: string | undefined;
  private closed = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly cache = new ParameterCache();
  /** Buffers and plans per program: the device buffers are this device's alone. */
  private readonly programs = new WeakMap<EdgeTpuProgram, PreparedProgram>();

  private constructor(private readonly options: EdgeTpuOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.transport = withTimeouts(options.transport ?? defaultUsbTransport(), this.timeouts.reconnectMs);
    this.resetDelayMs = options.resetDelayMs ?? 1000;
    this.path = options.path;
  }

  /** Finds, prepares (firmware) and opens an accelerator. */
  static async open(options: EdgeTpuOptions = {}): Promise<EdgeTpuDevice> {
    const device = new EdgeTpuDevice(options);
    await device.serialize(() => device.ensureOpen());
    return device;
  }

  /** The accelerator in use (null while it is not open). */
  get info(): EdgeTpuInfo | null {
    return this.handle ? this.current : null;
  }

  get isOpen(): boolean {
    return this.handle !== null;
  }

  /**
   * Runs `program` once. inputs[i] holds the bytes of the op's input i as a TFLite tensor
   * (uint8/int8...; no padding); returns the op's outputs in TFLite layout.
   */
  async run(program: EdgeTpuProgram, inputs: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const prepared = this.prepared(program);
    const outputs = prepared.outputs.map((o) => new Uint8Array(o.tensorBytes));
    await this.runInto(program, inputs, outputs);
    return outputs;
  }

  /** As run(), writing the outputs into the caller's buffers (each exactly the tensor's size). */
  async runInto(program: EdgeTpuProgram, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): Promise<void> {
    const prepared = this.prepared(program);
    checkBuffers(prepared, inputs, outputs);
    return this.serialize(async () => {
      if (this.closed) throw new EdgeTpuClosedError('this EdgeTpuDevice was closed; open a new one with EdgeTpuDevice.open()');
      await this.ensureOpen();
      try {
        prepared.inputs.forEach((input, i) => stageInput(input.layer, inputs[i]!, input.device));
        await this.runner!.run(this.cache.requestsFor(program), prepared);
        this.cache.completed(program);
      } catch (e) {
        await this.drop();
        throw e;
      }
      prepared.outputs.forEach((o, i) => {
        applyCopyPlan(o.plan, o.device, outputs[i]!);
        if (o.layer.signFlip) flipSignBits(outputs[i]!, o.layer.elementSize);
      });
    });
  }

  /** Puts the chip back into reset and releases the device; later calls fail with EdgeTpuClosedError. */
  close(): Promise<void> {
    return this.serialize(async () => {
      this.closed = true;
      const handle = this.handle;
      if (!handle) return;
      try {
        await step('shutting down the Edge TPU', () => shutdownChip(this.csr(handle)));
        await step('releasing the Edge TPU', () => handle.releaseInterface(INTERFACE));
        this.claimed = false;
        this.handle = null;
        await step('closing the Edge TPU', () => handle.close());
      } catch (e) {
        // A device that is gone needs no closing.
        if (!(e instanceof EdgeTpuDisconnectedError)) throw e;
      } finally {
        await this.drop();
      }
    });
  }

  private prepared(program: EdgeTpuProgram): PreparedProgram {
    let p = this.programs.get(program);
    if (!p) this.programs.set(program, (p = prepareProgram(program)));
    return p;
  }

  // ---- opening ----

  private serialize<T>(f: () => Promise<T>): Promise<T> {
    const result = this.tail.then(f);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private csr(handle: UsbDeviceHandle): CsrAccess {
    return new CsrAccess(handle, this.timeouts.controlMs, this.timeouts.pollMs);
  }

  private async ensureOpen(): Promise<void> {
    if (this.handle) return;
    try {
      await this.connect();
    } catch (e) {
      await this.drop();
      throw e;
    }
  }

  private async connect(): Promise<void> {
    let found = await this.find();
    this.path = found.info.path;
    if (found.info.speed === 'low') {
      throw new EdgeTpuProtocolError(`the Edge TPU at ${found.info.path} runs at USB low speed, which it does not support; plug it into another port or use another cable`);
    }
    if (found.info.state === 'bootloader') {
      await this.installFirmware(found.device);
      found = await this.waitForReady(found.info.path, 'after the firmware download');
      this.handle = await step('opening the Edge TPU', () => found.device.open());
    } else {
      // As the vendor runtime: check the identity, reset the port, and open it afresh.
      const first = await step('opening the Edge TPU', () => found.device.open());
      try {
        await this.readIdentity(first, 'ready');
        await this.resetTolerant(first);
      } finally {
        await quietly(() => first.close());
      }
      await sleep(this.resetDelayMs);
      found = await this.waitForReady(found.info.path, 'after a USB reset');
      this.handle = await step('opening the Edge TPU', () => found.device.open());
    }
    this.current = found.info;
    const handle = this.handle;
    await step('claiming the Edge TPU', () => handle.claimInterface(INTERFACE));
    this.claimed = true;
    const superSpeed = found.info.speed === 'super' || found.info.speed === 'superPlus';
    const chunk = superSpeed ? OUTFEED_CHUNK.superSpeed : OUTFEED_CHUNK.highSpeed;
    await step('initializing the Edge TPU', () => initializeChip(this.csr(handle), chunk));
    this.runner = new RequestRunner(handle, {
      outputChunk: chunk * 8,
      // At high speed the vendor runtime never asks for more than one chunk per read.
      maxOutputRead: superSpeed ? 32 * chunk * 8 : chunk * 8,
      transferTimeoutMs: this.timeouts.transferMs,
      requestTimeoutMs: this.timeouts.requestMs,
    });
    this.cache.clear();
  }

  private async find(): Promise<{ info: EdgeTpuInfo; device: UsbDeviceInfo }> {
    const all = await findEdgeTpus(this.transport);
    const match = this.path ? all.find((d) => d.info.path === this.path) : all[0];
    if (match) return match;
    if (this.path) {
      const others = all.length ? ` (found: ${all.map((d) => d.info.path).join(', ')})` : '';
      throw new EdgeTpuNotFoundError(`no Coral USB Accelerator at ${this.path}${others}; check that it is plugged in, or pass the path listEdgeTpus() reports`);
    }
    throw new EdgeTpuNotFoundError(
      'no Coral USB Accelerator found (looked for USB ids 1a6e:089a and 18d1:9302); plug it in (a USB 3 port is fastest) and check that the system sees it (`lsusb` on Linux)',
    );
  }

  /**
   * Reads the device descriptor and checks the ids (the vendor runtime's first step after
   * open). Where the platform refuses a device-level request before an interface is claimed
   * (WinUSB), the ids enumeration reported stand in for it.
   */
  private async readIdentity(handle: UsbDeviceHandle, expected: 'bootloader' | 'ready'): Promise<void> {
    const d = await this.descriptor(handle, DESCRIPTOR.device, 18, 'reading the device descriptor');
    if (!d) return;
    if (d.length < 12) throw new EdgeTpuProtocolError(`the device descriptor is ${d.length} bytes long; unplug and replug the Edge TPU`);
    const state = edgeTpuState({ vendorId: d[8]! | (d[9]! << 8), productId: d[10]! | (d[11]! << 8) });
    if (state !== expected) throw new EdgeTpuProtocolError(`the device describes itself as ${state ?? 'another device'}, not the Edge TPU ${expected}; unplug and replug it`);
  }

  /** GET_DESCRIPTOR; null when the platform does not allow it here (see readIdentity). */
  private async descriptor(handle: UsbDeviceHandle, type: number, length: number, what: string): Promise<Uint8Array | null> {
    try {
      return await handle.controlIn({ ...GET_DESCRIPTOR, value: type << 8, index: 0 }, length, this.timeouts.controlMs);
    } catch (e) {
      if (e instanceof UsbTransportError && (e.kind === 'io' || e.kind === 'stall')) return null;
      throw mapUsbError(e, what);
    }
  }

  /**
   * A port reset. After a firmware download the device comes back under another identity,
   * which fails the reset with 'disconnected'; platforms that cannot reset fail otherwise.
   * Either way the device is looked up again afterwards, which reports what went wrong.
   */
  private async resetTolerant(handle: UsbDeviceHandle): Promise<void> {
    try {
      await handle.reset();
    } catch (e) {
      if (!(e instanceof UsbTransportError)) throw e;
    }
  }

  private async installFirmware(device: UsbDeviceInfo): Promise<void> {
    const image = await resolveFirmware(this.options);
    const what = 'downloading the Edge TPU firmware';
    // Same dance as the vendor runtime: identify, reset, reopen, then DFU.
    const first = await step(what, () => device.open());
    try {
      await this.readIdentity(first, 'bootloader');
      await this.resetTolerant(first);
    } finally {
      await quietly(() => first.close());
    }
    await sleep(this.resetDelayMs);
    const again = await this.waitFor(this.path!, 'bootloader', 'after a USB reset');
    const h = await step(what, () => again.device.open());
    try {
      const config = await this.descriptor(h, DESCRIPTOR.configuration, CONFIG_DESCRIPTOR_REQUEST, what);
      const target = findDfuTarget(config ?? new Uint8Array(0));
      await step(what, () => h.claimInterface(target.interfaceNumber));
      await step(what, () => downloadFirmware(h, target, image, { requestMs: this.timeouts.controlMs, totalMs: this.timeouts.firmwareMs }));
      await step(what, () => h.releaseInterface(target.interfaceNumber));
      // The reset starts the firmware: the device leaves and comes back as 18d1:9302.
      await this.resetTolerant(h);
    } catch (e) {
      if (e instanceof EdgeTpuTimeoutError) throw new EdgeTpuFirmwareError(`${e.message}`, { cause: e });
      throw e;
    } finally {
      await quietly(() => h.close());
    }
    await sleep(this.resetDelayMs);
  }

  private waitForReady(path: string, when: string): Promise<{ info: EdgeTpuInfo; device: UsbDeviceInfo }> {
    return this.waitFor(path, 'ready', when);
  }

  /** Polls the bus until the device at `path` shows up in `state`. */
  private async waitFor(path: string, state: EdgeTpuInfo['state'], when: string): Promise<{ info: EdgeTpuInfo; device: UsbDeviceInfo }> {
    const deadline = Date.now() + this.timeouts.reconnectMs;
    for (;;) {
      const match = (await findEdgeTpus(this.transport)).find((d) => d.info.path === path && d.info.state === state);
      if (match) return match;
      if (Date.now() > deadline) {
        throw new EdgeTpuTimeoutError(`the Edge TPU at ${path} did not come back ${when} within ${this.timeouts.reconnectMs} ms; unplug and replug it, then try again`);
      }
      await sleep(100);
    }
  }

  /** Forgets the device after a fault: releases and closes the handle, ignoring further errors. */
  private async drop(): Promise<void> {
    const handle = this.handle;
    const claimed = this.claimed;
    this.handle = null;
    this.claimed = false;
    this.runner = null;
    this.cache.clear();
    if (handle) {
      if (claimed) await quietly(() => handle.releaseInterface(INTERFACE));
      await quietly(() => handle.close());
    }
  }
}

async function step<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw mapUsbError(e, what);
  }
}

async function quietly(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch {
    // Cleanup after a failure: the first error is the one that matters.
  }
}

function checkBuffers(p: PreparedProgram, inputs: readonly Uint8Array[], outputs: readonly Uint8Array[]): void {
  const name = `the Edge TPU program '${p.program.executable.name}'`;
  if (inputs.length !== p.inputs.length) throw new EdgeTpuInputError(`${name} takes ${p.inputs.length} input(s), got ${inputs.length}`);
  p.inputs.forEach((input, i) => {
    if (inputs[i]!.length !== input.tensorBytes) {
      throw new EdgeTpuInputError(`input ${i} ('${input.layer.name}', ${input.layer.y}×${input.layer.x}×${input.layer.z} ${input.layer.dataType}) must be ${input.tensorBytes} bytes, got ${inputs[i]!.length}`);
    }
  });
  if (outputs.length !== p.outputs.length) throw new EdgeTpuInputError(`${name} has ${p.outputs.length} output(s), got ${outputs.length} buffers`);
  p.outputs.forEach((o, i) => {
    if (outputs[i]!.length !== o.tensorBytes) throw new EdgeTpuInputError(`output buffer ${i} ('${o.layer.name}') must be ${o.tensorBytes} bytes, got ${outputs[i]!.length}`);
  });
}
