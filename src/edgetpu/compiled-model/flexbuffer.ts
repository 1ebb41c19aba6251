/**
 * A small, bounds-checked FlexBuffer reader: enough of the format to read the map the Edge
 * TPU compiler stores in the custom op's options (ints, strings, blobs, vectors, maps).
 * Every read is checked against the buffer, so damaged options give a FlexBufferError
 * instead of garbage or a crash. Values are read lazily; blobs are views, never copies.
 */

/** Thrown for bytes that are not a well-formed FlexBuffer (the caller adds context). */
export class FlexBufferError extends Error {}

/** FlexBuffer value types (the high 6 bits of a packed type byte). */
export enum FlexType {
  Null = 0,
  Int = 1,
  UInt = 2,
  Float = 3,
  Key = 4,
  String = 5,
  IndirectInt = 6,
  IndirectUInt = 7,
  IndirectFloat = 8,
  Map = 9,
  Vector = 10,
  VectorInt = 11,
  VectorUInt = 12,
  VectorFloat = 13,
  VectorKey = 14,
  VectorStringDeprecated = 15,
  VectorInt2 = 16,
  VectorFloat4 = 24,
  Blob = 25,
  Bool = 26,
  VectorBool = 36,
}

const TYPE_NAMES: Record<number, string> = {
  0: 'null', 1: 'int', 2: 'uint', 3: 'float', 4: 'key', 5: 'string', 6: 'int', 7: 'uint', 8: 'float',
  9: 'map', 10: 'vector', 11: 'vector', 12: 'vector', 13: 'vector', 14: 'vector', 15: 'vector', 25: 'blob', 26: 'bool', 36: 'vector',
};

const utf8 = new TextDecoder('utf-8');

/** One value inside a FlexBuffer: where it is, how wide its slot is, and its packed type. */
export class FlexRef {
  private constructor(
    private readonly buf: FlexReader,
    private readonly offset: number,
    private readonly parentWidth: number,
    private readonly packedType: number,
  ) {}

  /** The root value of a FlexBuffer. */
  static root(bytes: Uint8Array): FlexRef {
    if (bytes.length < 3) throw new FlexBufferError(`${bytes.length} bytes is too short for a FlexBuffer`);
    const width = bytes[bytes.length - 1]!;
    if (width !== 1 && width !== 2 && width !== 4 && width !== 8) {
      throw new FlexBufferError(`root byte width ${width} is not 1, 2, 4 or 8`);
    }
    const offset = bytes.length - 2 - width;
    if (offset < 0) throw new FlexBufferError('root value lies before the start of the buffer');
    return new FlexRef(new FlexReader(bytes), offset, width, bytes[bytes.length - 2]!);
  }

  get type(): FlexType {
    return (this.packedType >> 2) as FlexType;
  }

  /** 'int', 'string', 'map'... for error messages. */
  get typeName(): string {
    return TYPE_NAMES[this.type] ?? (this.type >= 16 && this.type <= 24 ? 'vector' : `type ${this.type}`);
  }

  private get childWidth(): number {
    return 1 << (this.packedType & 3);
  }

  /** An integer (int, uint, bool or their indirect forms); throws for other types. */
  asInt(): number {
    switch (this.type) {
      case FlexType.Int:
        return this.buf.int(this.offset, this.parentWidth);
      case FlexType.UInt:
      case FlexType.Bool:
        return this.buf.uint(this.offset, this.parentWidth);
      case FlexType.IndirectInt:
        return this.buf.int(this.buf.indirect(this.offset, this.parentWidth), this.childWidth);
      case FlexType.IndirectUInt:
        return this.buf.uint(this.buf.indirect(this.offset, this.parentWidth), this.childWidth);
      default:
        throw new FlexBufferError(`expected an integer, found a ${this.typeName}`);
    }
  }

  /** The bytes of a string or blob, as a view into the buffer. */
  asBytes(): Uint8Array {
    if (this.type !== FlexType.String && this.type !== FlexType.Blob) {
      throw new FlexBufferError(`expected a string or blob, found a ${this.typeName}`);
    }
    const start = this.buf.indirect(this.offset, this.parentWidth);
    const length = this.buf.uint(start - this.childWidth, this.childWidth);
    return this.buf.slice(start, length);
  }

  asString(): string {
    if (this.type === FlexType.Key) return this.buf.cString(this.buf.indirect(this.offset, this.parentWidth));
    return utf8.decode(this.asBytes());
  }

  /** The elements of any vector type. */
  asVector(): FlexRef[] {
    const t = this.type;
    const width = this.childWidth;
    const start = this.buf.indirect(this.offset, this.parentWidth);
    if (t === FlexType.Vector || t === FlexType.Map) {
      const length = this.lengthAt(start, width);
      this.buf.check(start, length * width + length);
      const types = start + length * width;
      return Array.from({ length }, (_, i) => new FlexRef(this.buf, start + i * width, width, this.buf.byte(types + i)));
    }
    let elementType: FlexType;
    let length: number;
    if (t >= FlexType.VectorInt && t <= FlexType.VectorStringDeprecated) {
      elementType = (t - FlexType.VectorInt + FlexType.Int) as FlexType;
      length = this.lengthAt(start, width);
    } else if (t === FlexType.VectorBool) {
      elementType = FlexType.Bool;
      length = this.lengthAt(start, width);
    } else if (t >= FlexType.VectorInt2 && t <= FlexType.VectorFloat4) {
      const k = t - FlexType.VectorInt2;
      elementType = ((k % 3) + FlexType.Int) as FlexType;
      length = Math.floor(k / 3) + 2;
    } else {
      throw new FlexBufferError(`expected a vector, found a ${this.typeName}`);
    }
    this.buf.check(start, length * width);
    // Elements of typed vectors have the vector's width; strings keep it as their length width.
    const packed = (elementType << 2) | Math.log2(width);
    return Array.from({ length }, (_, i) => new FlexRef(this.buf, start + i * width, width, packed));
  }

  /** The entries of a map, keys in stored (sorted) order. */
  asMap(): Map<string, FlexRef> {
    if (this.type !== FlexType.Map) throw new FlexBufferError(`expected a map, found a ${this.typeName}`);
    const width = this.childWidth;
    const start = this.buf.indirect(this.offset, this.parentWidth);
    const values = this.asVector();
    const keysStart = this.buf.indirect(start - 3 * width, width);
    const keyWidth = this.buf.uint(start - 2 * width, width);
    if (keyWidth !== 1 && keyWidth !== 2 && keyWidth !== 4 && keyWidth !== 8) {
      throw new FlexBufferError(`map key width ${keyWidth} is not 1, 2, 4 or 8`);
    }
    const keyCount = this.lengthAt(keysStart, keyWidth);
    if (keyCount !== values.length) throw new FlexBufferError(`map has ${keyCount} keys for ${values.length} values`);
    this.buf.check(keysStart, keyCount * keyWidth);
    const out = new Map<string, FlexRef>();
    for (let i = 0; i < keyCount; i++) {
      const key = this.buf.cString(this.buf.indirect(keysStart + i * keyWidth, keyWidth));
      out.set(key, values[i]!);
    }
    return out;
  }

  private lengthAt(start: number, width: number): number {
    return this.buf.uint(start - width, width);
  }
}

/** Checked little-endian reads over the buffer. */
class FlexReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  check(offset: number, size: number): void {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(size) && offset >= 0 && size >= 0 && offset + size <= this.bytes.length)) {
      throw new FlexBufferError(`a ${size}-byte read at offset ${offset} is outside the ${this.bytes.length}-byte buffer`);
    }
  }

  byte(offset: number): number {
    this.check(offset, 1);
    return this.bytes[offset]!;
  }

  uint(offset: number, width: number): number {
    this.check(offset, width);
    switch (width) {
      case 1: return this.view.getUint8(offset);
      case 2: return this.view.getUint16(offset, true);
      case 4: return this.view.getUint32(offset, true);
      case 8: {
        const v = this.view.getBigUint64(offset, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FlexBufferError(`value ${v} at offset ${offset} is too large`);
        return Number(v);
      }
      default: throw new FlexBufferError(`bad byte width ${width}`);
    }
  }

  int(offset: number, width: number): number {
    this.check(offset, width);
    switch (width) {
      case 1: return this.view.getInt8(offset);
      case 2: return this.view.getInt16(offset, true);
      case 4: return this.view.getInt32(offset, true);
      case 8: {
        const v = this.view.getBigInt64(offset, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new FlexBufferError(`value ${v} at offset ${offset} is too large`);
        }
        return Number(v);
      }
      default: throw new FlexBufferError(`bad byte width ${width}`);
    }
  }

  /** Offsets in a FlexBuffer point backwards from the slot that holds them. */
  indirect(offset: number, width: number): number {
    const target = offset - this.uint(offset, width);
    if (target < 0) throw new FlexBufferError(`offset at ${offset} points before the start of the buffer`);
    return target;
  }

  slice(start: number, length: number): Uint8Array {
    this.check(start, length);
    return this.bytes.subarray(start, start + length);
  }

  cString(start: number): string {
    this.check(start, 1);
    const end = this.bytes.indexOf(0, start);
    if (end < 0) throw new FlexBufferError(`key at offset ${start} has no terminating zero byte`);
    return utf8.decode(this.bytes.subarray(start, end));
  }
}
