import { ByteBuffer } from 'flatbuffers';

/** Thrown by CheckedByteBuffer; the reader turns it into an InvalidModelError. */
export class FlatbufferBoundsError extends Error {}

/**
 * A flatbuffers ByteBuffer that refuses to read outside its bytes and stops after a read
 * budget. The stock runtime has no verifier: out-of-range reads silently yield zeros, and
 * corrupt offsets that make tables share children can make unpacking take quadratic time.
 * Every scalar read funnels through the three methods below, so checking them is enough.
 */
export class CheckedByteBuffer extends ByteBuffer {
  private readonly limit: number;
  private reads = 0;
  private readonly budget: number;

  constructor(bytes: Uint8Array, budget: number) {
    super(bytes);
    this.limit = bytes.length;
    this.budget = budget;
  }

  private check(offset: number, size: number): void {
    if (!(offset >= 0 && offset + size <= this.limit)) {
      throw new FlatbufferBoundsError(`a ${size}-byte read at offset ${offset} is outside the ${this.limit}-byte file`);
    }
    if (++this.reads > this.budget) {
      throw new FlatbufferBoundsError('the file refers to the same data over and over (corrupt offsets); reading it would not finish');
    }
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  override __string(offset: number, optEncoding?: number): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    const length = this.readInt32(start);
    this.check(start + 4, length);
    return super.__string(offset, optEncoding as never);
  }

  /** A byte-vector view that must lie inside the file. */
  checkedBytes(start: number, length: number): Uint8Array {
    this.check(start, length);
    const b = this.bytes();
    return b.subarray(start, start + length);
  }
}
