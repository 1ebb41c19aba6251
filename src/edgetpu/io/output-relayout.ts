import type { DimensionRange, Layer, OutputTileLayout, TensorLayout } from '../compiled-model/index.js';
import { InvalidExecutableError } from '../errors.js';
import { CopyPlanBuilder, type CopyPlan } from './copy-plan.js';

/** Bytes the device sends for one output layer (batch 1): size_bytes per execution. */
export function deviceOutputBytes(layer: Layer): number {
  return layer.sizeBytes * layer.executionCount;
}

/** Bytes of the output as a TFLite tensor: y × x × z elements per execution, no padding. */
export function tensorOutputBytes(layer: Layer): number {
  return layer.y * layer.x * layer.z * layer.elementSize * layer.executionCount;
}

/**
 * Plans how to turn the bytes the device sends for an output layer into the TFLite
 * tensor layout (y, x, z row-major). The device pads z, splits y and x over its tiles and
 * may send sub-tensors ("slices"); the layer's layout tables say where each element is.
 */
export function planOutputRelayout(layer: Layer): CopyPlan {
  const b = new CopyPlanBuilder();
  const executions = layer.executionCount;
  const zBytes = layer.z * layer.elementSize;
  const unsupported = (why: string) =>
    new InvalidExecutableError(`output layer '${layer.name}': ${why}; this driver cannot re-lay it out (recompile the model, or report it with the model attached)`);

  if (layer.shapeInfo && executions !== 1) throw unsupported('it has output slices and runs more than once per inference');
  if (layer.shapeInfo) {
    planSlices(layer, b);
  } else if (layer.y === 1 && layer.x === 1) {
    // One-dimensional: the first z elements of each execution's slot, padding dropped.
    for (let e = 0; e < executions; e++) b.add(e * layer.sizeBytes, e * zBytes, zBytes);
  } else {
    if (executions !== 1) throw unsupported('a tiled output that runs more than once per inference');
    const tiles = layer.tileLayout;
    if (!tiles || tiles.yToLinearTile.length !== layer.y) throw unsupported('a 3-D output without a tile layout');
    planTiled(layer, tiles, b);
  }
  const plan = b.build(deviceOutputBytes(layer), tensorOutputBytes(layer));
  if (!plan) throw unsupported(`its layout points outside the ${deviceOutputBytes(layer)} bytes the device sends`);
  return plan;
}

/** Element index of (y, x, z) in the device's tiled output (libedgetpu GetBufferIndex). */
function tiledIndex(t: OutputTileLayout, y: number, x: number, z: number): number {
  const tile = t.yToLinearTile[y]! + t.xToLinearTile[x]!;
  const tileOffset = t.tileByteOffset[tile];
  if (tileOffset === undefined) return -1;
  return tileOffset + t.yToLocalY[y]! * t.xToLocalRowSize[x]! + t.xToLocalByteOffset[x]! + z;
}

function planTiled(layer: Layer, t: OutputTileLayout, b: CopyPlanBuilder): void {
  const es = layer.elementSize;
  const zBytes = layer.z * es;
  // Runs of x positions that one tile holds side by side.
  const runs: { start: number; length: number }[] = [];
  for (let x = 0; x < layer.x; x++) {
    if (x > 0 && t.xToLinearTile[x] === t.xToLinearTile[x - 1]) runs[runs.length - 1]!.length++;
    else runs.push({ start: x, length: 1 });
  }
  // Distance between neighbouring x (or y, for a single column) elements: z plus its padding.
  const zPadded = (layer.x > 1 ? tiledIndex(t, 0, 1, 0) - tiledIndex(t, 0, 0, 0) : tiledIndex(t, 1, 0, 0) - tiledIndex(t, 0, 0, 0)) * es;
  let dest = 0;
  for (let y = 0; y < layer.y; y++) {
    for (const run of runs) {
      const source = tiledIndex(t, y, run.start, 0) * es;
      if (source < 0) throw new InvalidExecutableError(`output layer '${layer.name}': its tile layout refers to a tile it does not have`);
      if (zBytes === zPadded) {
        b.add(source, dest, zBytes * run.length);
        dest += zBytes * run.length;
      } else {
        for (let i = 0; i < run.length; i++) {
          b.add(source + i * zPadded, dest, zBytes);
          dest += zBytes;
        }
      }
    }
  }
}

/** Copies each slice (a strided sub-tensor at its byte offset) into the packed layer shape. */
function planSlices(layer: Layer, b: CopyPlanBuilder): void {
  const es = layer.elementSize;
  const destShape = layer.shape;
  if (!destShape) throw new InvalidExecutableError(`output layer '${layer.name}' has output slices but no shape`);
  const dest = packedLayout(destShape);
  for (const slice of layer.shapeInfo!.slices) {
    const src = slice.layout;
    if (src.shape.length !== destShape.length) {
      throw new InvalidExecutableError(`output layer '${layer.name}': a slice has ${src.shape.length} dimensions, the layer ${destShape.length}`);
    }
    if (slice.offsetBytes % es !== 0) throw new InvalidExecutableError(`output layer '${layer.name}': slice offset ${slice.offsetBytes} is not a whole element`);
    copyBox(src.shape.map((r) => ({ ...r })), 0, src, slice.offsetBytes, dest, es, b, layer.name);
  }
}

function packedLayout(shape: readonly DimensionRange[]): TensorLayout {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!.end - shape[i]!.start + 1;
  }
  return { shape, strides };
}

function memoryIndex(layout: TensorLayout, position: readonly number[], name: string): number {
  let index = 0;
  for (let i = 0; i < position.length; i++) {
    const r = layout.shape[i]!;
    if (position[i]! < r.start || position[i]! > r.end) throw new InvalidExecutableError(`output layer '${name}': a slice lies outside the layer's shape`);
    index += layout.strides[i]! * (position[i]! - r.start);
  }
  return index;
}

/** Copies the box `box` dimension by dimension until it is contiguous on both sides. */
function copyBox(box: DimensionRange[], dim: number, src: TensorLayout, srcBase: number, dest: TensorLayout, es: number, b: CopyPlanBuilder, name: string): void {
  const first = box.map((r) => r.start);
  const last = box.map((r) => r.end);
  const count = box.reduce((n, r) => n * (r.end - r.start + 1), 1);
  const s0 = memoryIndex(src, first, name);
  const d0 = memoryIndex(dest, first, name);
  if (memoryIndex(src, last, name) - s0 + 1 === count && memoryIndex(dest, last, name) - d0 + 1 === count) {
    b.add(srcBase + s0 * es, d0 * es, count * es);
    return;
  }
  if (dim >= box.length) throw new InvalidExecutableError(`output layer '${name}': a slice layout overlaps itself`);
  const r = box[dim]!;
  for (let i = r.start; i <= r.end; i++) {
    const sub = box.slice();
    sub[dim] = { start: i, end: i };
    copyBox(sub, dim + 1, src, srcBase, dest, es, b, name);
  }
}
