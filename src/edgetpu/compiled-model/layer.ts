import type { FlatTable } from './flat-table.js';
import { FlatbufferError } from './flat-table.js';

/** Element types of Edge TPU input/output layers (schema enum DataType). */
export type LayerDataType =
  | 'FIXED_POINT8'
  | 'FIXED_POINT16'
  | 'SIGNED_FIXED_POINT32'
  | 'BFLOAT'
  | 'HALF'
  | 'SINGLE'
  | 'SIGNED_FIXED_POINT8'
  | 'SIGNED_FIXED_POINT16';

const DATA_TYPES: Record<number, { name: LayerDataType; size: number; signedFlip: boolean }> = {
  0: { name: 'FIXED_POINT8', size: 1, signedFlip: false },
  1: { name: 'FIXED_POINT16', size: 2, signedFlip: false },
  2: { name: 'SIGNED_FIXED_POINT32', size: 4, signedFlip: false },
  3: { name: 'BFLOAT', size: 2, signedFlip: false },
  4: { name: 'HALF', size: 2, signedFlip: false },
  5: { name: 'SINGLE', size: 4, signedFlip: false },
  8: { name: 'SIGNED_FIXED_POINT8', size: 1, signedFlip: true },
  9: { name: 'SIGNED_FIXED_POINT16', size: 2, signedFlip: true },
};

/** An inclusive index range of one tensor dimension. */
export interface DimensionRange {
  readonly start: number;
  readonly end: number;
}

/** How a sub-tensor sits in memory: its coordinates and the stride (in elements) of each dimension. */
export interface TensorLayout {
  readonly shape: readonly DimensionRange[];
  readonly strides: readonly number[];
}

/**
 * Where output element (y, x, z) lies in the device's output bytes when the output is
 * split over tiles: see outputByteIndex in output-relayout.ts.
 */
export interface OutputTileLayout {
  readonly yToLinearTile: Int32Array;
  readonly xToLinearTile: Int32Array;
  readonly tileByteOffset: Int32Array;
  readonly xToLocalByteOffset: Int32Array;
  readonly yToLocalY: Int32Array;
  readonly xToLocalRowSize: Int32Array;
}

/** Output slices as the tiles stream them, each with its byte offset in the device output. */
export interface OutputShapeInfo {
  readonly slices: readonly { readonly layout: TensorLayout; readonly offsetBytes: number }[];
}

/** An input or output of an executable, as the device sees it. */
export interface Layer {
  readonly name: string;
  /** Bytes per batch element on the device, padding included. */
  readonly sizeBytes: number;
  readonly y: number;
  readonly x: number;
  readonly z: number;
  readonly zeroPoint: number;
  readonly dequantizationFactor: number;
  readonly dataType: LayerDataType;
  readonly elementSize: number;
  /** True for SIGNED_FIXED_POINT8/16: the host flips the top bit of each element both ways. */
  readonly signFlip: boolean;
  readonly executionCount: number;
  readonly cacheOnDram: boolean;
  /** Inclusive dimension ranges (batch, y, x, z), when the compiler recorded them. */
  readonly shape: readonly DimensionRange[] | null;
  /** Output layers only: how the device lays the output out. */
  readonly tileLayout: OutputTileLayout | null;
  readonly shapeInfo: OutputShapeInfo | null;
}

/** Unpadded bytes of one execution of the layer: y × x × z elements. */
export function layerTensorBytes(layer: Layer): number {
  return layer.y * layer.x * layer.z * layer.elementSize;
}

// Layer slots: 0 name, 1 size_bytes, 2 y_dim, 3 x_dim, 4 z_dim, 5 numerics, 6 data_type,
// 7/8 any_layer (type, value), 9 execution_count_per_inference, 10 cache_on_dram, 11 shape.
// AnyLayer: 1 OutputLayer, 2 InputLayer.
export function readLayer(t: FlatTable, isOutput: boolean): Layer {
  const name = t.string(0) ?? '';
  const where = `${isOutput ? 'output' : 'input'} layer '${name}'`;
  const typeCode = t.short(6);
  const type = DATA_TYPES[typeCode];
  if (!type) throw new FlatbufferError(`${where} has unknown data type ${typeCode}`);
  const numerics = t.table(5);
  const shape = t.table(11);
  const layer = {
    name,
    sizeBytes: t.int(1),
    y: t.int(2),
    x: t.int(3),
    z: t.int(4),
    zeroPoint: numerics?.int(0) ?? 0,
    dequantizationFactor: numerics?.float(1) ?? 0,
    dataType: type.name,
    elementSize: type.size,
    signFlip: type.signedFlip,
    executionCount: t.int(9, 1),
    cacheOnDram: t.bool(10),
    shape: shape ? readShape(shape) : null,
    tileLayout: null as OutputTileLayout | null,
    shapeInfo: null as OutputShapeInfo | null,
  };
  for (const [k, v] of [['y_dim', layer.y], ['x_dim', layer.x], ['z_dim', layer.z], ['execution count', layer.executionCount]] as const) {
    if (!(v >= 1)) throw new FlatbufferError(`${where} has ${k} ${v}`);
  }
  if (layer.sizeBytes < 0) throw new FlatbufferError(`${where} has size ${layer.sizeBytes}`);
  const anyType = t.ubyte(7);
  const any = t.table(8);
  if (isOutput) {
    if (anyType !== 1 || !any) throw new FlatbufferError(`${where} has no OutputLayer information`);
    // OutputLayer slots: 0 layout, 1 data_type (deprecated), 2 shape_info.
    const tiles = any.table(0);
    if (tiles) layer.tileLayout = readTileLayout(tiles, layer, where);
    const info = any.table(2);
    if (info) layer.shapeInfo = readShapeInfo(info, where);
  }
  return layer;
}

// TensorShape: 0 dimension:[Range{start:int, end:int}] (a struct vector).
function readShape(t: FlatTable): DimensionRange[] {
  return t.intStructs(0, 2).map(([start, end]) => {
    if (start! > end!) throw new FlatbufferError(`dimension range [${start}, ${end}] is empty`);
    return { start: start!, end: end! };
  });
}

// OutputLayout slots 0..5 in the order of the OutputTileLayout fields.
function readTileLayout(t: FlatTable, layer: { y: number; x: number }, where: string): OutputTileLayout {
  const out: OutputTileLayout = {
    yToLinearTile: t.ints(0),
    xToLinearTile: t.ints(1),
    tileByteOffset: t.ints(2),
    xToLocalByteOffset: t.ints(3),
    yToLocalY: t.ints(4),
    xToLocalRowSize: t.ints(5),
  };
  const byY = [out.yToLinearTile, out.yToLocalY];
  const byX = [out.xToLinearTile, out.xToLocalByteOffset, out.xToLocalRowSize];
  // An absent layout (all maps empty) is legal for 1-D outputs; a partial one is not.
  const empty = [...byY, ...byX, out.tileByteOffset].every((a) => a.length === 0);
  if (!empty && (byY.some((a) => a.length !== layer.y) || byX.some((a) => a.length !== layer.x))) {
    throw new FlatbufferError(`${where}: its tile layout does not cover ${layer.y}×${layer.x} positions`);
  }
  return out;
}

// OutputShapeInfo: 0 slice_layout:[TensorLayout{0 shape, 1 stride:[int]}], 1 slice_offset:[int].
function readShapeInfo(t: FlatTable, where: string): OutputShapeInfo {
  const layouts = t.tables(0);
  const offsets = t.ints(1);
  if (layouts.length !== offsets.length) {
    throw new FlatbufferError(`${where}: ${layouts.length} output slices but ${offsets.length} slice offsets`);
  }
  return {
    slices: layouts.map((l, i) => {
      const shapeTable = l.table(0);
      const shape = shapeTable ? readShape(shapeTable) : [];
      const strides = Array.from(l.ints(1));
      if (shape.length === 0 || strides.length !== shape.length) {
        throw new FlatbufferError(`${where}: output slice ${i} has ${shape.length} dimensions and ${strides.length} strides`);
      }
      return { layout: { shape, strides }, offsetBytes: offsets[i]! };
    }),
  };
}
