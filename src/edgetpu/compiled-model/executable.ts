import { FlatBuffer, FlatbufferError, type FlatTable } from './flat-table.js';
import { addressKind, readDmaHint, type AddressKind, type DmaHint } from './dma-hint.js';
import { readLayer, type Layer } from './layer.js';

export type ExecutableType = 'STAND_ALONE' | 'PARAMETER_CACHING' | 'EXECUTION_ONLY';
const EXECUTABLE_TYPES: readonly ExecutableType[] = ['STAND_ALONE', 'PARAMETER_CACHING', 'EXECUTION_ONLY'];

/**
 * A 32-bit address field inside an instruction bitstream, which the vendor runtime fills
 * with a buffer address before sending. Over USB the device does not use these values, so
 * this driver sends the bitstream as compiled; the fields are kept for tools and tests.
 */
export interface AddressField {
  readonly address: AddressKind;
  readonly batch: number;
  /** Layer name for activations, '' otherwise. */
  readonly layer: string;
  readonly half: 'LOWER_32BIT' | 'UPPER_32BIT';
  /** First bit of the field, counting from bit 0 of byte 0, least significant bit first. */
  readonly offsetBit: number;
}

export interface InstructionBitstream {
  readonly bytes: Uint8Array;
  readonly addressFields: readonly AddressField[];
}

/** One compiled Edge TPU program: its instructions, parameters, DMA steps and layers. */
export interface Executable {
  /** Position in the package's executable list. */
  readonly index: number;
  readonly version: number;
  readonly name: string;
  readonly type: ExecutableType;
  readonly batchSize: number;
  readonly scratchSizeBytes: number;
  readonly bitstreams: readonly InstructionBitstream[];
  /** Parameter bytes (a view into the model), empty when the executable has none. */
  readonly parameters: Uint8Array;
  readonly hints: readonly DmaHint[];
  /** True when the hints list every DMA of a request (the only kind this driver runs). */
  readonly fullyDeterministic: boolean;
  readonly inputLayers: readonly Layer[];
  readonly outputLayers: readonly Layer[];
  readonly chip: string;
  /**
   * Executables compiled together share this token; the device keeps their parameters
   * cached together. 0n means "no caching".
   */
  readonly parameterCachingToken: bigint;
  readonly usedNarrowMemoryBytesPerTile: number;
  readonly estimatedCycles: bigint;
  readonly useTpuDramForParameters: boolean;
}

/** Reads one Executable flatbuffer (an element of the package's MultiExecutable). */
export function readExecutable(bytes: Uint8Array, index: number): Executable {
  const t = new FlatBuffer(bytes).root();
  const typeCode = t.short(13);
  const type = EXECUTABLE_TYPES[typeCode];
  if (!type) throw new FlatbufferError(`unknown executable type ${typeCode}`);
  const hintsTable = t.table(7);
  const exe: Executable = {
    index,
    version: t.int(0),
    name: t.string(1) ?? '',
    type,
    batchSize: t.int(3),
    scratchSizeBytes: t.int(4),
    bitstreams: t.tables(5).map(readBitstream),
    parameters: t.bytes(6) ?? new Uint8Array(0),
    hints: hintsTable ? hintsTable.tables(0).map(readDmaHint) : [],
    fullyDeterministic: hintsTable ? hintsTable.bool(1) : false,
    inputLayers: t.tables(8).map((l) => readLayer(l, false)),
    outputLayers: t.tables(9).map((l) => readLayer(l, true)),
    chip: t.string(10) ?? '',
    usedNarrowMemoryBytesPerTile: t.int(12),
    parameterCachingToken: t.uint64(14),
    useTpuDramForParameters: t.bool(15),
    estimatedCycles: t.has(16) ? t.int64(16) : BigInt(t.int(11)),
  };
  checkExecutable(exe);
  return exe;
}

// InstructionBitstream: 0 bitstream, 1 field_offsets:[FieldOffset {0 meta, 1 offset_bit}].
function readBitstream(t: FlatTable, index: number): InstructionBitstream {
  const bytes = t.bytes(0) ?? new Uint8Array(0);
  const addressFields = t.tables(1).map((f, i): AddressField => {
    const where = `bitstream ${index} field ${i}`;
    const meta = f.table(0);
    if (!meta) throw new FlatbufferError(`${where} has no metadata`);
    const offsetBit = f.int(1);
    if (offsetBit < 0 || offsetBit + 32 > bytes.length * 8) {
      throw new FlatbufferError(`${where} lies at bit ${offsetBit}, outside the ${bytes.length}-byte bitstream`);
    }
    const position = meta.short(3);
    if (position !== 0 && position !== 1) throw new FlatbufferError(`${where} has position ${position}`);
    return {
      address: addressKind(meta.short(0), where),
      batch: meta.int(1),
      layer: meta.string(2) ?? '',
      half: position === 0 ? 'LOWER_32BIT' : 'UPPER_32BIT',
      offsetBit,
    };
  });
  return { bytes, addressFields };
}

/** Cross-checks that every hint refers to something the executable has. */
function checkExecutable(exe: Executable): void {
  if (exe.batchSize < 1) throw new FlatbufferError(`batch size is ${exe.batchSize}`);
  const layers = (list: readonly Layer[]) => new Map(list.map((l) => [l.name, l]));
  const inputs = layers(exe.inputLayers);
  const outputs = layers(exe.outputLayers);
  exe.hints.forEach((h, i) => {
    const where = `DMA hint ${i}`;
    if (h.kind === 'instructions') {
      if (!exe.bitstreams[h.chunk]) throw new FlatbufferError(`${where} sends instruction chunk ${h.chunk} of ${exe.bitstreams.length}`);
      return;
    }
    if (h.kind !== 'data') return;
    const end = h.offsetBytes + h.sizeBytes;
    if (h.address === 'PARAMETER') {
      if (end > exe.parameters.length) throw new FlatbufferError(`${where} sends parameter bytes ${h.offsetBytes}..${end} of ${exe.parameters.length}`);
      return;
    }
    if (h.address === 'SCRATCH') return;
    const layer = (h.address === 'INPUT_ACTIVATION' ? inputs : outputs).get(h.layer);
    if (!layer) throw new FlatbufferError(`${where} refers to ${h.address === 'INPUT_ACTIVATION' ? 'input' : 'output'} layer '${h.layer}', which the executable does not have`);
    if (h.batch < 0 || h.batch >= exe.batchSize) throw new FlatbufferError(`${where} refers to batch ${h.batch} of ${exe.batchSize}`);
    if (end > layer.sizeBytes * layer.executionCount) {
      throw new FlatbufferError(`${where} moves bytes ${h.offsetBytes}..${end} of layer '${h.layer}', which has ${layer.sizeBytes * layer.executionCount}`);
    }
    if ((h.address === 'INPUT_ACTIVATION') !== (h.direction === 'INFEED')) {
      throw new FlatbufferError(`${where} moves ${h.address} in direction ${h.direction}`);
    }
  });
}
