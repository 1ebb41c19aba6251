import type { DmaHint, Executable } from './compiled-model/index.js';
import { EdgeTpuProtocolError, EdgeTpuTimeoutError } from './errors.js';
import { mapUsbError } from './error-mapping.js';
import type { PreparedProgram } from './prepared-program.js';
import { UsbTransportError, type UsbDeviceHandle } from './usb/transport.js';

/** Endpoints of the single-bulk-out operating mode. */
export const EP = { bulkOut: 0x01, output: 0x81, event: 0x82 } as const;

/** Payload tags of the 8-byte bulk-out header. */
const TAG = { instructions: 0, input: 1, parameters: 2 } as const;

/** Payloads go out in transfers of at most 1 MiB, under one header, as the vendor runtime sends them. */
const MAX_OUT_TRANSFER = 1 << 20;
const EVENT_BYTES = 16;

export interface LinkSettings {
  /** Device output chunk in bytes (8 × outfeed_chunk_length): 1024 at SuperSpeed, 256 at high speed. */
  readonly outputChunk: number;
  /** Largest output read; a multiple of outputChunk. */
  readonly maxOutputRead: number;
  readonly transferTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/**
 * Runs requests (executables) on an open, initialized device by walking their DMA hints:
 * instructions, inputs and parameters go out on EP 0x01 as header + payload, outputs come
 * in on EP 0x81 as one byte stream cut at the hint sizes, and each interrupt hint is
 * matched by a 16-byte event on EP 0x82. Events are read concurrently, in order, so a late
 * event of an earlier request (the parameter-caching one) never blocks the next request.
 */
export class RequestRunner {
  private readonly header = new Uint8Array(8);

  constructor(
    private readonly handle: UsbDeviceHandle,
    private readonly settings: LinkSettings,
  ) {}

  async run(requests: readonly Executable[], program: PreparedProgram): Promise<void> {
    const deadline = Date.now() + this.settings.requestTimeoutMs;
    const interrupts = requests.flatMap((e) => e.hints.filter((h): h is Extract<DmaHint, { kind: 'interrupt' }> => h.kind === 'interrupt'));
    const stop = { requested: false };
    const events = this.readEvents(interrupts.map((h) => h.interrupt), deadline, stop);
    try {
      for (const exe of requests) await this.send(exe, program, deadline);
    } catch (e) {
      // Let the event read end (within one poll slice) before the caller releases the device.
      stop.requested = true;
      await events.catch(() => undefined);
      throw e;
    }
    await events;
  }

  private async send(exe: Executable, program: PreparedProgram, deadline: number): Promise<void> {
    const hints = exe.hints;
    for (let i = 0; i < hints.length; i++) {
      const h = hints[i]!;
      if (h.kind === 'instructions') {
        await this.sendPayload(TAG.instructions, exe.bitstreams[h.chunk]!.bytes, `the instructions of '${exe.name}'`, deadline);
      } else if (h.kind === 'data' && h.direction === 'INFEED') {
        if (h.address === 'PARAMETER') {
          await this.sendPayload(TAG.parameters, exe.parameters.subarray(h.offsetBytes, h.offsetBytes + h.sizeBytes), `the parameters of '${exe.name}'`, deadline);
        } else {
          const buffer = program.inputBuffers.get(h.layer)!;
          await this.sendPayload(TAG.input, buffer.subarray(h.offsetBytes, h.offsetBytes + h.sizeBytes), `input '${h.layer}'`, deadline);
        }
      } else if (h.kind === 'data') {
        // Consecutive outputs arrive as one stream: read them together.
        let j = i;
        while (j + 1 < hints.length && hints[j + 1]!.kind === 'data' && hints[j + 1]!.direction === 'OUTFEED') j++;
        await this.readOutputs(hints.slice(i, j + 1) as Extract<DmaHint, { kind: 'data' }>[], program, deadline);
        i = j;
      }
      // Interrupts are matched by readEvents; fences need nothing: every step above completes before the next.
    }
  }

  private async sendPayload(tag: number, payload: Uint8Array, what: string, deadline: number): Promise<void> {
    const h = new DataView(this.header.buffer);
    h.setUint32(0, payload.length, true);
    h.setUint32(4, tag & 0x0f, true);
    await this.out(this.header, `sending the header of ${what}`, deadline);
    for (let at = 0; at < payload.length; at += MAX_OUT_TRANSFER) {
      await this.out(payload.subarray(at, Math.min(at + MAX_OUT_TRANSFER, payload.length)), `sending ${what}`, deadline);
    }
  }

  private async out(data: Uint8Array, what: string, deadline: number): Promise<void> {
    try {
      await this.handle.transferOut(EP.bulkOut, data, this.timeLeft(deadline, what));
    } catch (e) {
      throw mapUsbError(e, what);
    }
  }

  private async readOutputs(hints: readonly Extract<DmaHint, { kind: 'data' }>[], program: PreparedProgram, deadline: number): Promise<void> {
    const total = hints.reduce((n, h) => n + h.sizeBytes, 0);
    const { outputChunk, maxOutputRead } = this.settings;
    let hint = 0;
    let inHint = 0;
    let received = 0;
    const what = `reading output '${hints[0]!.layer}'`;
    while (received < total) {
      // Ask for whole chunks, never more than is still due: the device ends a transfer only at a short packet.
      const want = Math.min(maxOutputRead, Math.ceil((total - received) / outputChunk) * outputChunk);
      let data: Uint8Array;
      try {
        data = await this.handle.transferIn(EP.output, want, this.timeLeft(deadline, what));
      } catch (e) {
        throw mapUsbError(e, what);
      }
      if (data.length > total - received) {
        throw new EdgeTpuProtocolError(`${what}: the device sent ${received + data.length} output bytes where the program expects ${total}; unplug and replug the Edge TPU`);
      }
      for (let at = 0; at < data.length; ) {
        const h = hints[hint]!;
        const n = Math.min(data.length - at, h.sizeBytes - inHint);
        program.outputBuffers.get(h.layer)!.set(data.subarray(at, at + n), h.offsetBytes + inHint);
        at += n;
        inHint += n;
        if (inHint === h.sizeBytes) {
          hint++;
          inHint = 0;
        }
      }
      received += data.length;
    }
  }

  /**
   * Reads one event per expected interrupt (tag 4 + interrupt number), in order. The read
   * is re-posted in slices of at most a second, so that it can be abandoned (`stop`) soon
   * after a failure elsewhere, and the request deadline bounds the whole wait.
   */
  private async readEvents(expected: readonly number[], deadline: number, stop: { requested: boolean }): Promise<void> {
    const what = 'waiting for the end of the request';
    const slice = Math.min(1000, this.settings.transferTimeoutMs);
    for (const interrupt of expected) {
      for (;;) {
        if (stop.requested) return;
        let ev: Uint8Array;
        try {
          const left = deadline - Date.now();
          if (left <= 0) throw new EdgeTpuTimeoutError(`${what}: the Edge TPU did not finish the request within ${this.settings.requestTimeoutMs} ms; unplug and replug it, or raise the requestMs timeout for very large models`);
          ev = await this.handle.transferIn(EP.event, EVENT_BYTES, Math.min(slice, left));
        } catch (e) {
          if (e instanceof UsbTransportError && e.kind === 'timeout' && Date.now() < deadline) continue;
          throw mapUsbError(e, what);
        }
        if (ev.length !== EVENT_BYTES) throw new EdgeTpuProtocolError(`the device sent a ${ev.length}-byte event (16 expected); unplug and replug the Edge TPU`);
        const tag = ev[12]! & 0x0f;
        if (tag < 4) continue; // a DMA report, which this mode does not ask for
        if (tag !== 4 + interrupt) throw new EdgeTpuProtocolError(`the device signalled interrupt ${tag - 4} where the program expects ${interrupt}; unplug and replug the Edge TPU`);
        break;
      }
    }
  }

  private timeLeft(deadline: number, what: string): number {
    const left = Math.min(this.settings.transferTimeoutMs, deadline - Date.now());
    if (left <= 0) throw new EdgeTpuTimeoutError(`${what}: the request did not finish within ${this.settings.requestTimeoutMs} ms; unplug and replug the Edge TPU, or raise the requestMs timeout for very large models`);
    return left;
  }
}
