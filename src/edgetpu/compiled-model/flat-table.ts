/**
 * Bounds-checked access to FlatBuffer tables, for the Edge TPU package format (schema
 * namespace platforms.darwinn). The package is small and read once, so a generic reader
 * addressed by vtable slot is simpler than generated code, and every read is checked:
 * a damaged executable gives a FlatbufferError, never an out-of-range view or a hang.
 */

/** The bytes are not a well-formed FlatBuffer (the caller adds which one). */
export class FlatbufferError extends Error {}

/** The buffer a table lives in: checked reads plus a budget against looping offsets. */
export class FlatBuffer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private reads = 0;
  private readonly budget: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 4 * bytes.length + 100_000;
  }

  /** The 4-character file identifier (bytes 4..7), or '' if the buffer is too short. */
  identifier(): string {
    if (this.bytes.length < 8) return '';
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  root(): FlatTable {
    return new FlatTable(this, this.u32(0));
  }

  check(offset: number, size: number): void {
    if (!(Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.bytes.length)) {
      throw new FlatbufferError(`a ${size}-byte read at offset ${offset} is outside the ${this.bytes.length}-byte buffer`);
    }
    if (++this.reads > this.budget) {
      throw new FlatbufferError('the buffer refers to the same data over and over (corrupt offsets)');
    }
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.view.getUint8(offset);
  }

  i16(offset: number): number {
    this.check(offset, 2);
    return this.view.getInt16(offset, true);
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }

  i32(offset: number): number {
    this.check(offset, 4);
    return this.view.getInt32(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }

  f32(offset: number): number {
    this.check(offset, 4);
    return this.view.getFloat32(offset, true);
  }

  u64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  i64(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigInt64(offset, true);
  }

  /** Follows a uoffset stored at `offset` (offsets point forward from where they are stored). */
  follow(offset: number): number {
    return offset + this.u32(offset);
  }

  /** Start and element count of the vector a uoffset at `offset` points to, checked to fit. */
  vector(offset: number, elementSize: number): { start: number; length: number } {
    const at = this.follow(offset);
    const length = this.u32(at);
    this.check(at + 4, length * elementSize);
    return { start: at + 4, length };
  }
}

/** One table: fields are addressed by their vtable slot (the field's index in the schema). */
export class FlatTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly buf: FlatBuffer,
    readonly pos: number,
  ) {
    this.vtable = pos - buf.i32(pos);
    this.vtableSize = buf.u16(this.vtable);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) {
      throw new FlatbufferError(`table at offset ${pos} has a ${this.vtableSize}-byte vtable`);
    }
    buf.check(this.vtable, this.vtableSize);
  }

  /** Where field `slot` is stored, or 0 when the table does not have it. */
  private field(slot: number): number {
    const entry = 4 + 2 * slot;
    if (entry >= this.vtableSize) return 0;
    const off = this.buf.u16(this.vtable + entry);
    return off === 0 ? 0 : this.pos + off;
  }

  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }

  int(slot: number, fallback = 0): number {
    const at = this.field(slot);
    return at ? this.buf.i32(at) : fallback;
  }

  short(slot: number, fallback = 0): number {
    const at = this.field(slot);
    return at ? this.buf.i16(at) : fallback;
  }

  ubyte(slot: number, fallback = 0): number {
    const at = this.field(slot);
    return at ? this.buf.u8(at) : fallback;
  }

  bool(slot: number, fallback = false): boolean {
    const at = this.field(slot);
    return at ? this.buf.u8(at) !== 0 : fallback;
  }

  float(slot: number, fallback = 0): number {
    const at = this.field(slot);
    return at ? this.buf.f32(at) : fallback;
  }

  uint64(slot: number): bigint {
    const at = this.field(slot);
    return at ? this.buf.u64(at) : 0n;
  }

  int64(slot: number): bigint {
    const at = this.field(slot);
    return at ? this.buf.i64(at) : 0n;
  }

  string(slot: number): string | null {
    const bytes = this.bytes(slot);
    return bytes === null ? null : new TextDecoder().decode(bytes);
  }

  /** A [ubyte] field (or a string's bytes) as a view into the buffer. */
  bytes(slot: number): Uint8Array | null {
    const at = this.field(slot);
    if (!at) return null;
    const { start, length } = this.buf.vector(at, 1);
    return this.buf.bytes.subarray(start, start + length);
  }

  table(slot: number): FlatTable | null {
    const at = this.field(slot);
    return at ? new FlatTable(this.buf, this.buf.follow(at)) : null;
  }

  tables(slot: number): FlatTable[] {
    const at = this.field(slot);
    if (!at) return [];
    const { start, length } = this.buf.vector(at, 4);
    return Array.from({ length }, (_, i) => new FlatTable(this.buf, this.buf.follow(start + 4 * i)));
  }

  /** A [string] or [[ubyte]]-like field: each element as a view of its bytes. */
  byteStrings(slot: number): Uint8Array[] {
    const at = this.field(slot);
    if (!at) return [];
    const { start, length } = this.buf.vector(at, 4);
    return Array.from({ length }, (_, i) => {
      const { start: s, length: n } = this.buf.vector(start + 4 * i, 1);
      return this.buf.bytes.subarray(s, s + n);
    });
  }

  ints(slot: number): Int32Array {
    const at = this.field(slot);
    if (!at) return new Int32Array(0);
    const { start, length } = this.buf.vector(at, 4);
    const out = new Int32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.buf.i32(start + 4 * i);
    return out;
  }

  /** A vector of structs made of `fields` int32s each (e.g. Range {start, end}). */
  intStructs(slot: number, fields: number): Int32Array[] {
    const at = this.field(slot);
    if (!at) return [];
    const { start, length } = this.buf.vector(at, 4 * fields);
    return Array.from({ length }, (_, i) => {
      const s = new Int32Array(fields);
      for (let f = 0; f < fields; f++) s[f] = this.buf.i32(start + 4 * (i * fields + f));
      return s;
    });
  }
}
