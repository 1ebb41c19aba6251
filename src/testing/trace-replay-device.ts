import {
  UsbTransportError,
  type ControlSetup,
  type UsbDeviceHandle,
  type UsbDeviceInfo,
  type UsbErrorKind,
  type UsbSpeed,
  type UsbTransport,
} from '../edgetpu/usb/transport.js';
import { hexBytes, type LoadedTrace } from './load-trace.js';
import { TraceDivergenceError } from './trace-divergence-error.js';
import { DEVICE_KINDS, type BulkOutRecord, type ControlRecord, type TraceRecord } from './trace-format.js';

/** Faults the replaying device can simulate (each fires once, then is forgotten). */
export type ReplayFault =
  /** The next open() fails: 'access-denied' (no udev rule), 'driver' (no WinUSB), 'busy'... */
  | { kind: 'open-error'; error: UsbErrorKind }
  /** The next claimInterface() fails (another program holds the device: 'busy'). */
  | { kind: 'claim-error'; error: UsbErrorKind }
  /** The device is unplugged when the replay reaches the record with this seq. */
  | { kind: 'unplug'; beforeSeq: number }
  /** The control transfer of this seq is answered with a stall. */
  | { kind: 'stall'; seq: number }
  /** The control_in of this seq answers these bytes instead of the recorded ones. */
  | { kind: 'answer'; seq: number; data: Uint8Array }
  /** The device never sends anything on this IN endpoint (reads time out). */
  | { kind: 'mute'; endpoint: number };

interface QueuedTransfer {
  bytes: Uint8Array;
  pos: number;
}

interface PendingRead {
  handle: ReplayHandle;
  length: number;
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const ID = { dfu: '1a6e:089a', app: '18d1:9302' } as const;
const hex = (n: number, w = 0) => '0x' + n.toString(16).padStart(w, '0');
const hexOf = (b: Uint8Array, max = 64) => Buffer.from(b.subarray(0, max)).toString('hex') + (b.length > max ? `… (${b.length} bytes)` : '');

/**
 * A simulated Coral USB Accelerator that replays a recorded trace (see the traces'
 * FORMAT.md): it walks the trace's ordered records, answers the driver's control reads
 * and bulk reads from them, checks every write against them (ignoring the patched address
 * fields), and throws a TraceDivergenceError on the first difference. It starts as the
 * ROM bootloader or in application mode as the trace did, and re-enumerates when the
 * trace does. Implements UsbTransport, so it plugs into the driver in place of real USB.
 */
export class TraceReplayDevice implements UsbTransport {
  readonly speed: UsbSpeed;
  private cursor = 0;
  /** Bytes of the current bulk_out record already matched. */
  private outOffset = 0;
  private identity: string;
  /** Bumped when the device disconnects or re-enumerates: older handles are dead. */
  private generation = 0;
  private connected = true;
  private lastPoll: ControlRecord | null = null;
  private readonly queues = new Map<number, QueuedTransfer[]>();
  private readonly pending = new Map<number, PendingRead[]>();
  private faults: ReplayFault[] = [];
  private failure: TraceDivergenceError | null = null;
  /**
   * Bumped when a fault that leaves the trace unfinishable fires (claim refused, endpoint
   * mute): the driver's cleanup of handles opened before it (release, close) is then
   * accepted as is, since no trace shows it.
   */
  private faultEpoch = 0;

  constructor(
    readonly trace: LoadedTrace,
    private readonly location: { bus: string; ports: readonly number[] } = { bus: '2', ports: [1] },
  ) {
    this.identity = ID[trace.doc.start_mode];
    this.speed = /high/i.test(trace.doc.fake_device.speed) ? 'high' : 'super';
  }

  /** The first divergence seen, even if the driver swallowed the error. */
  get divergence(): TraceDivergenceError | null {
    return this.failure;
  }

  /** How far the replay got: ordered records consumed so far. */
  get position(): number {
    return this.cursor;
  }

  inject(fault: ReplayFault): void {
    this.faults.push(fault);
  }

  /** Unplugs the device now: handles die, pending reads fail, listDevices() shows nothing. */
  unplug(): void {
    this.connected = false;
    this.generation++;
    for (const [, reads] of this.pending) for (const r of reads.splice(0)) this.finish(r, new UsbTransportError('disconnected', 'device disconnected'));
  }

  /** Plugs the device back in: it starts over from the beginning of the trace, as after a power cycle, without faults. */
  replug(): void {
    this.unplug();
    this.faults = [];
    this.connected = true;
    this.cursor = 0;
    this.outOffset = 0;
    this.identity = ID[this.trace.doc.start_mode];
    this.lastPoll = null;
    this.queues.clear();
    this.failure = null;
  }

  /** Throws unless the whole trace was replayed and every byte the device sent was read. */
  assertComplete(): void {
    if (this.failure) throw this.failure;
    this.applyDeviceRecords();
    if (this.cursor < this.trace.ordered.length) {
      const r = this.trace.ordered[this.cursor]!;
      throw new TraceDivergenceError(this.trace.name, this.cursor, r.seq, describeRecord(r), 'nothing more (the session ended early)');
    }
    for (const [ep, q] of this.queues) {
      const left = q.reduce((n, t) => n + t.bytes.length - t.pos, 0);
      if (left > 0) throw new TraceDivergenceError(this.trace.name, this.cursor, -1, `every byte the device sent was read`, `${left} bytes left unread on endpoint ${hex(ep)}`);
    }
  }

  async listDevices(): Promise<UsbDeviceInfo[]> {
    if (!this.connected) return [];
    const generation = this.generation;
    const [vid, pid] = this.identity.split(':').map((s) => parseInt(s, 16)) as [number, number];
    return [{ vendorId: vid, productId: pid, bus: this.location.bus, ports: this.location.ports, speed: this.speed, open: () => this.open(generation) }];
  }

  // ---- host operations, called by ReplayHandle ----

  private async open(generation: number): Promise<UsbDeviceHandle> {
    if (this.failure) throw this.failure;
    if (generation !== this.generation || !this.connected) throw new UsbTransportError('disconnected', 'open: device not found (it was unplugged or re-enumerated)');
    const fault = this.takeFault((f) => f.kind === 'open-error');
    if (fault?.kind === 'open-error') throw new UsbTransportError(fault.error, `open: simulated ${fault.error}`);
    const r = this.expect('open', `open ${this.identity}`);
    if (!this.connected) throw new UsbTransportError('disconnected', 'open: device not found');
    if (r.kind === 'open' && r.device !== this.identity) this.diverge(r, `open ${this.identity}`);
    this.consume();
    return new ReplayHandle(this, this.generation, this.faultEpoch);
  }

  alive(h: ReplayHandle): boolean {
    return h.generation === this.generation && this.connected;
  }

  private checkAlive(h: ReplayHandle, what: string): void {
    if (this.failure) throw this.failure;
    if (!this.alive(h)) throw new UsbTransportError('disconnected', `${what}: device disconnected`);
  }

  async claimInterface(h: ReplayHandle, n: number): Promise<void> {
    this.checkAlive(h, 'claim interface');
    const fault = this.takeFault((f) => f.kind === 'claim-error');
    if (fault?.kind === 'claim-error') {
      this.faultEpoch++;
      throw new UsbTransportError(fault.error, `claim interface ${n}: simulated ${fault.error}`);
    }
    const r = this.expect('claim_interface', `claim_interface ${n}`, h);
    if (r.kind === 'claim_interface' && r.interface !== n) this.diverge(r, `claim_interface ${n}`);
    this.consume();
  }

  async releaseInterface(h: ReplayHandle, n: number): Promise<void> {
    if (h.epoch < this.faultEpoch) return;
    this.checkAlive(h, 'release interface');
    const r = this.expect('release_interface', `release_interface ${n}`, h);
    if (r.kind === 'release_interface' && r.interface !== n) this.diverge(r, `release_interface ${n}`);
    this.consume();
  }

  async reset(h: ReplayHandle): Promise<void> {
    this.checkAlive(h, 'reset');
    const r = this.expect('reset', 'reset', h);
    this.consume();
    if (r.kind === 'reset' && r.result < 0) {
      // The device came back with other descriptors (reenumerate record follows).
      this.applyDeviceRecords();
      throw new UsbTransportError('disconnected', 'reset: the device re-enumerated (LIBUSB_ERROR_NOT_FOUND)');
    }
  }

  async close(h: ReplayHandle): Promise<void> {
    if (this.failure || h.epoch < this.faultEpoch) return;
    // Closing a handle that died by unplugging is not in any trace: it just goes away.
    if (!this.connected || (h.generation !== this.generation && this.nextKind() !== 'close')) return;
    this.expect('close', 'close');
    this.consume();
  }

  async controlIn(h: ReplayHandle, setup: ControlSetup, length: number): Promise<Uint8Array> {
    this.checkAlive(h, 'control transfer in');
    const actual = describeControl('control_in', setup, length);
    this.applyDeviceRecords();
    this.checkAlive(h, 'control transfer in');
    const r = this.peek();
    if (r?.kind === 'control_in' && sameSetup(r, setup, length)) {
      this.consume();
      if (r.decoded?.poll_note) this.lastPoll = r;
      return this.answer(r);
    }
    // The driver may poll a register more often than the runtime did: answer it again.
    if (this.lastPoll && sameSetup(this.lastPoll, setup, length)) return this.answer(this.lastPoll);
    this.diverge(r, actual);
  }

  async controlOut(h: ReplayHandle, setup: ControlSetup, data: Uint8Array): Promise<void> {
    this.checkAlive(h, 'control transfer out');
    const actual = describeControl('control_out', setup, data.length, data);
    const r = this.expect('control_out', actual, h) as ControlRecord;
    if (!sameSetup(r, setup, data.length) || Buffer.compare(hexBytes(r.data), data) !== 0) this.diverge(r, actual);
    this.consume();
    if (this.takeFault((f) => f.kind === 'stall' && f.seq === r.seq)) throw new UsbTransportError('stall', 'control transfer out: simulated stall');
    this.lastPoll = null;
  }

  async transferOut(h: ReplayHandle, endpoint: number, data: Uint8Array): Promise<void> {
    this.checkAlive(h, `write to endpoint ${hex(endpoint)}`);
    let pos = 0;
    while (pos < data.length) {
      this.applyDeviceRecords();
      if (!this.alive(h)) throw new UsbTransportError('disconnected', `write to endpoint ${hex(endpoint)}: device disconnected`);
      const r = this.peek();
      const actual = `bulk_out ${data.length - pos} more bytes on EP ${hex(endpoint, 2)}: ${hexOf(data.subarray(pos), 16)}`;
      if (r?.kind !== 'bulk_out' || r.endpoint !== (endpoint & 0x7f)) this.diverge(r, actual);
      const { bytes, ignore } = this.trace.expectedBulkOut(r);
      const n = Math.min(data.length - pos, r.length - this.outOffset);
      for (let i = 0; i < n; i++) {
        const at = this.outOffset + i;
        if (data[pos + i] !== bytes[at] && !(ignore && ignore[at])) {
          this.diverge(r, `byte ${at} of this transfer (${describeSegmentAt(r, at)}) is ${hex(data[pos + i]!, 2)}, the trace has ${hex(bytes[at]!, 2)}`);
        }
      }
      pos += n;
      this.outOffset += n;
      if (this.outOffset === r.length) {
        this.outOffset = 0;
        this.consume();
      }
    }
    this.lastPoll = null;
    this.applyDeviceRecords();
  }

  transferIn(h: ReplayHandle, endpoint: number, length: number, timeoutMs: number): Promise<Uint8Array> {
    this.checkAlive(h, `read from endpoint ${hex(endpoint)}`);
    this.applyDeviceRecords();
    return new Promise<Uint8Array>((resolve, reject) => {
      const read: PendingRead = {
        handle: h,
        length,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.dropPending(endpoint, read);
          reject(new UsbTransportError('timeout', `read from endpoint ${hex(endpoint)}: timed out after ${timeoutMs} ms`));
        }, timeoutMs),
      };
      const list = this.pending.get(endpoint) ?? [];
      list.push(read);
      this.pending.set(endpoint, list);
      this.serve(endpoint);
    });
  }

  // ---- the replay ----

  private peek(): TraceRecord | undefined {
    return this.trace.ordered[this.cursor];
  }

  private nextKind(): string | undefined {
    this.applyDeviceRecords();
    return this.peek()?.kind;
  }

  private consume(): void {
    this.cursor++;
    this.applyDeviceRecords();
  }

  /** Applies device-side records (data the device sends, re-enumeration) at the cursor. */
  private applyDeviceRecords(): void {
    for (;;) {
      const r = this.peek();
      if (!r) return;
      const unplug = this.takeFault((f) => f.kind === 'unplug' && r.seq >= f.beforeSeq);
      if (unplug) {
        this.unplug();
        return;
      }
      if (!DEVICE_KINDS.has(r.kind)) return;
      this.cursor++;
      if (r.kind === 'bulk_in' || r.kind === 'interrupt_in') {
        if (this.faults.some((f) => f.kind === 'mute' && f.endpoint === r.endpoint)) {
          this.faultEpoch++;
          continue;
        }
        const q = this.queues.get(r.endpoint) ?? [];
        q.push({ bytes: hexBytes(r.data), pos: 0 });
        this.queues.set(r.endpoint, q);
        this.serve(r.endpoint);
      } else if (r.kind === 'reenumerate') {
        this.identity = r.to;
        this.generation++;
      }
    }
  }

  /** Completes pending reads on `endpoint` from its queue, following USB packet rules. */
  private serve(endpoint: number): void {
    const reads = this.pending.get(endpoint);
    const queue = this.queues.get(endpoint);
    while (reads && reads.length > 0 && queue && queue.length > 0) {
      const read = reads[0]!;
      const maxPacket = endpoint === 0x83 ? 64 : this.speed === 'high' ? 512 : 1024;
      // Walk the queued device transfers: a read ends at `length` or at a short packet.
      let taken = 0;
      let items = 0;
      let complete = false;
      for (const t of queue) {
        const avail = t.bytes.length - t.pos;
        const take = Math.min(avail, read.length - taken);
        if (take < avail && read.length % maxPacket !== 0) {
          reads.shift();
          this.finish(read, new UsbTransportError('io', `read from endpoint ${hex(endpoint)}: overflow: the driver asked for ${read.length} bytes, the device sends a ${t.bytes.length}-byte transfer`));
          return this.serve(endpoint);
        }
        taken += take;
        items++;
        if (take < avail || t.bytes.length % maxPacket !== 0 || taken === read.length) {
          complete = true;
          break;
        }
      }
      if (!complete) return;
      const out = new Uint8Array(taken);
      let at = 0;
      for (let i = 0; i < items; i++) {
        const t = queue[0]!;
        const n = Math.min(t.bytes.length - t.pos, taken - at);
        out.set(t.bytes.subarray(t.pos, t.pos + n), at);
        at += n;
        t.pos += n;
        if (t.pos === t.bytes.length) queue.shift();
      }
      reads.shift();
      this.finish(read, out);
    }
  }

  private finish(read: PendingRead, result: Uint8Array | Error): void {
    clearTimeout(read.timer);
    if (result instanceof Error) read.reject(result);
    else read.resolve(result);
  }

  private dropPending(endpoint: number, read: PendingRead): void {
    const list = this.pending.get(endpoint);
    const i = list?.indexOf(read) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  private answer(r: ControlRecord): Uint8Array {
    const fault = this.takeFault((f) => (f.kind === 'stall' || f.kind === 'answer') && f.seq === r.seq);
    if (fault?.kind === 'stall' || r.result < 0) throw new UsbTransportError('stall', 'control transfer in: stall');
    if (fault?.kind === 'answer') return Uint8Array.from(fault.data);
    return hexBytes(r.data);
  }

  private takeFault(match: (f: ReplayFault) => boolean): ReplayFault | undefined {
    const i = this.faults.findIndex((f) => f.kind !== 'mute' && match(f));
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }

  /** The next record, which must be of `kind`; diverges otherwise. */
  private expect(kind: TraceRecord['kind'], actual: string, h?: ReplayHandle): TraceRecord {
    this.applyDeviceRecords();
    if (h) this.checkAlive(h, kind);
    const r = this.peek();
    if (!r || r.kind !== kind) this.diverge(r, actual);
    return r;
  }

  private diverge(r: TraceRecord | undefined, actual: string): never {
    const e = new TraceDivergenceError(this.trace.name, this.cursor, r ? r.seq : -1, r ? describeRecord(r) : 'nothing (the trace has ended)', actual);
    this.failure ??= e;
    throw e;
  }
}

/** A handle of the replayed device; it dies when the device disconnects or re-enumerates. */
class ReplayHandle implements UsbDeviceHandle {
  constructor(
    private readonly device: TraceReplayDevice,
    readonly generation: number,
    /** The device's fault epoch when this handle was opened. */
    readonly epoch: number,
  ) {}

  claimInterface(n: number): Promise<void> {
    return this.device.claimInterface(this, n);
  }
  releaseInterface(n: number): Promise<void> {
    return this.device.releaseInterface(this, n);
  }
  reset(): Promise<void> {
    return this.device.reset(this);
  }
  close(): Promise<void> {
    return this.device.close(this);
  }
  controlIn(setup: ControlSetup, length: number): Promise<Uint8Array> {
    return this.device.controlIn(this, setup, length);
  }
  controlOut(setup: ControlSetup, data: Uint8Array): Promise<void> {
    return this.device.controlOut(this, setup, data);
  }
  transferIn(endpoint: number, length: number, timeoutMs: number): Promise<Uint8Array> {
    return this.device.transferIn(this, endpoint, length, timeoutMs);
  }
  transferOut(endpoint: number, data: Uint8Array): Promise<void> {
    return this.device.transferOut(this, endpoint, data);
  }
}

function sameSetup(r: ControlRecord, s: ControlSetup, length: number): boolean {
  return r.bmRequestType === s.requestType && r.bRequest === s.request && r.wValue === s.value && r.wIndex === s.index && r.length === length;
}

function describeControl(kind: string, s: ControlSetup, length: number, data?: Uint8Array): string {
  const csr = s.requestType === 0x40 || s.requestType === 0xc0 ? ` CSR ${hex((s.index << 16) | s.value)}` : '';
  return `${kind}${csr} (bmRequestType ${hex(s.requestType, 2)}, bRequest ${s.request}, wValue ${hex(s.value)}, wIndex ${hex(s.index)}, wLength ${length}${data ? `, data ${hexOf(data)}` : ''})`;
}

export function describeRecord(r: TraceRecord): string {
  switch (r.kind) {
    case 'control_in':
    case 'control_out': {
      const d = r.decoded;
      const what = d?.op ? `${d.op}${d.addr ? ` ${d.addr}` : ''}${d.name ? ` (${d.name})` : ''}${d.value !== undefined && r.kind === 'control_out' ? ` := ${d.value}` : ''}${d.block !== undefined ? ` block ${d.block}` : ''} ` : '';
      return `${r.kind} ${what}(bmRequestType ${hex(r.bmRequestType, 2)}, bRequest ${r.bRequest}, wValue ${hex(r.wValue)}, wIndex ${hex(r.wIndex)}, wLength ${r.length}${r.kind === 'control_out' ? `, data ${r.data.slice(0, 128)}` : ''})`;
    }
    case 'bulk_out':
      return `bulk_out ${r.length} bytes on EP ${hex(r.endpoint, 2)} (${r.segments.map((s) => `${s.type} of ${s.what}, request ${s.request}`).join('; ')})`;
    case 'bulk_in':
    case 'interrupt_in':
      return `${r.kind} ${r.length} bytes on EP ${hex(r.endpoint, 2)} (${r.what})`;
    case 'open':
      return `open ${r.device}`;
    case 'reset':
      return `reset (result ${r.result})`;
    case 'claim_interface':
    case 'release_interface':
      return `${r.kind} ${r.interface}`;
    default:
      return r.kind;
  }
}

function describeSegmentAt(r: BulkOutRecord, at: number): string {
  const s = r.segments.find((s) => at >= s.offset && at < s.offset + s.length);
  if (!s) return 'outside any segment';
  if (s.type === 'header') return `header byte ${at - s.offset} of ${s.what}, request ${s.request}`;
  return `${s.what} byte ${(s.payload_offset ?? 0) + at - s.offset}, request ${s.request}`;
}
