import * as fb from './generated/tflite.js';
import { unionToBuiltinOptions } from './generated/tflite/builtin-options.js';
import { unionToBuiltinOptions2 } from './generated/tflite/builtin-options2.js';
import { CheckedByteBuffer, FlatbufferBoundsError } from './checked-byte-buffer.js';
import { InvalidModelError } from './errors.js';
import { describeNonModel } from './sniff.js';

/**
 * Reads a .tflite file into the generated object tree (ModelT), with two departures from
 * the generated `unpack()`: byte vectors (buffer data, custom options) are Uint8Array
 * views into `bytes` instead of number[] copies, and buffers stored outside the
 * flatbuffer (models over 2 GB: Buffer.offset/size) are resolved into views as well.
 * Every other table is unpacked by the generated code, so no field of the schema is lost.
 */
export function readModelTree(bytes: Uint8Array, source?: string): ModelTree {
  const problem = describeNonModel(bytes);
  if (problem) throw new InvalidModelError(problem, { source });
  // A valid file is read about once per byte; the margin covers vtables read per table.
  const bb = new CheckedByteBuffer(bytes, 8 * bytes.length + 100_000);
  try {
    const root = fb.Model.getRootAsModel(bb);
    return unpackModel(root, bb);
  } catch (e) {
    if (e instanceof InvalidModelError) throw e;
    if (e instanceof FlatbufferBoundsError || e instanceof RangeError || e instanceof TypeError) {
      throw new InvalidModelError(`the flatbuffer is damaged or truncated (${e.message}); download or export the model again`, { source, cause: e });
    }
    throw e;
  }
}

/** The object tree plus where externally stored buffers came from (kept so a write can do the same). */
export interface ModelTree {
  model: fb.ModelT;
  /** Buffer indexes whose data was stored after the flatbuffer (Buffer.offset > 1). */
  externalBuffers: Set<number>;
}

function unpackModel(m: fb.Model, bb: CheckedByteBuffer): ModelTree {
  const operatorCodes = list(m.operatorCodesLength(), (i) => m.operatorCodes(i)!.unpack());
  const subgraphs = list(m.subgraphsLength(), (i) => unpackSubgraph(m.subgraphs(i)!, bb));
  const externalBuffers = new Set<number>();
  const buffers = list(m.buffersLength(), (i) => {
    const b = m.buffers(i)!;
    const offset = b.offset();
    const size = b.size();
    let data: Uint8Array;
    if (offset > 1n) {
      // Stored past the flatbuffer: offset is from the start of the file.
      if (offset + size > BigInt(bb.capacity())) {
        throw new InvalidModelError(`buffer ${i} is stored at bytes ${offset}..${offset + size}, past the end of the ${bb.capacity()}-byte file (truncated?)`);
      }
      data = bb.checkedBytes(Number(offset), Number(size));
      externalBuffers.add(i);
    } else {
      data = byteVector(b.dataArray(), bb);
    }
    const t = new fb.BufferT();
    t.data = data as unknown as number[];
    return t;
  });
  const metadataBuffer = list(m.metadataBufferLength(), (i) => m.metadataBuffer(i)!);
  const metadata = list(m.metadataLength(), (i) => m.metadata(i)!.unpack());
  const signatureDefs = list(m.signatureDefsLength(), (i) => m.signatureDefs(i)!.unpack());
  const model = new fb.ModelT(m.version(), operatorCodes, subgraphs, m.description(), buffers, metadataBuffer, metadata, signatureDefs);
  return { model, externalBuffers };
}

function unpackSubgraph(g: fb.SubGraph, bb: CheckedByteBuffer): fb.SubGraphT {
  return new fb.SubGraphT(
    list(g.tensorsLength(), (i) => g.tensors(i)!.unpack()),
    list(g.inputsLength(), (i) => g.inputs(i)!),
    list(g.outputsLength(), (i) => g.outputs(i)!),
    list(g.operatorsLength(), (i) => unpackOperator(g.operators(i)!, bb)),
    g.name(),
    g.debugMetadataIndex(),
  );
}

/** Field for field what Operator.unpack() does, but custom options stay a byte view. */
function unpackOperator(op: fb.Operator, bb: CheckedByteBuffer): fb.OperatorT {
  const options = unionToBuiltinOptions(op.builtinOptionsType(), op.builtinOptions.bind(op));
  const options2 = unionToBuiltinOptions2(op.builtinOptions2Type(), op.builtinOptions2.bind(op));
  let custom = byteVector(op.customOptionsArray(), bb);
  const largeOffset = op.largeCustomOptionsOffset();
  const largeSize = op.largeCustomOptionsSize();
  if (largeOffset > 1n) {
    if (largeOffset + largeSize > BigInt(bb.capacity())) throw new InvalidModelError(`custom options stored at bytes ${largeOffset}..${largeOffset + largeSize}, past the end of the file (truncated?)`);
    custom = bb.checkedBytes(Number(largeOffset), Number(largeSize));
  }
  // Once resolved, the options are ordinary bytes of the tree; where they are stored is
  // the writer's business.
  const resolved = largeOffset > 1n;
  return new fb.OperatorT(
    op.opcodeIndex(),
    list(op.inputsLength(), (i) => op.inputs(i)!),
    list(op.outputsLength(), (i) => op.outputs(i)!),
    op.builtinOptionsType(),
    options === null ? null : options.unpack(),
    custom as unknown as number[],
    op.customOptionsFormat(),
    list(op.mutatingVariableInputsLength(), (i) => op.mutatingVariableInputs(i)!),
    list(op.intermediatesLength(), (i) => op.intermediates(i)!),
    resolved ? 0n : largeOffset,
    resolved ? 0n : largeSize,
    op.builtinOptions2Type(),
    options2 === null ? null : options2.unpack(),
    op.debugMetadataIndex(),
  );
}

const EMPTY = new Uint8Array(0);

/** Validates a generated byte-vector view: the generated accessor does not bounds-check it. */
function byteVector(view: Uint8Array | null, bb: CheckedByteBuffer): Uint8Array {
  if (view === null || view.length === 0) return EMPTY;
  const base = bb.bytes();
  const start = view.byteOffset - base.byteOffset;
  return bb.checkedBytes(start, view.length);
}

function list<T>(length: number, get: (i: number) => T): T[] {
  if (length < 0) throw new FlatbufferBoundsError(`negative vector length ${length}`);
  // Grown element by element: a corrupt length fails at the first out-of-file read
  // instead of allocating a huge array up front.
  const out: T[] = [];
  for (let i = 0; i < length; i++) out.push(get(i));
  return out;
}
