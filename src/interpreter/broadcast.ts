/**
 * NumPy-style broadcasting of two operands, planned once at prepare time.
 *
 * Both shapes are right-aligned; a dimension of 1 repeats along the other operand's size.
 * The plan merges adjacent dimensions that broadcast the same way, so a kernel walks the
 * output as `rows` contiguous runs of `inner` elements. Within a run each operand either
 * advances by one element (step 1) or stays on one element (step 0); `aOffsets[r]` and
 * `bOffsets[r]` give where run r starts in each operand.
 */
export interface BroadcastPlan {
  /** The broadcast (output) shape. */
  readonly shape: readonly number[];
  readonly rows: number;
  readonly inner: number;
  readonly aStep: 0 | 1;
  readonly bStep: 0 | 1;
  readonly aOffsets: Int32Array;
  readonly bOffsets: Int32Array;
}

/** The broadcast shape of a and b, or null when some dimension pair is neither equal nor 1. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

interface MergedDim {
  size: number;
  aRepeats: boolean;
  bRepeats: boolean;
}

/** Plans the walk over broadcast(a, b). Throws a RangeError when the shapes do not broadcast. */
export function planBroadcast(a: readonly number[], b: readonly number[]): BroadcastPlan {
  const shape = broadcastShape(a, b);
  if (!shape) throw new RangeError(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  const rank = shape.length;
  const dims: MergedDim[] = [];
  for (let k = 0; k < rank; k++) {
    const size = shape[k]!;
    if (size === 1) continue; // size-1 output dimensions do not move either operand
    const aRepeats = (a[a.length - rank + k] ?? 1) === 1;
    const bRepeats = (b[b.length - rank + k] ?? 1) === 1;
    const last = dims[dims.length - 1];
    if (last && last.aRepeats === aRepeats && last.bRepeats === bRepeats) last.size *= size;
    else dims.push({ size, aRepeats, bRepeats });
  }
  const total = shape.reduce((n, d) => n * d, 1);
  const innerDim = dims.pop() ?? { size: 1, aRepeats: true, bRepeats: true };
  const inner = innerDim.size;
  const rows = inner === 0 ? 0 : total / inner;

  // Contiguous strides of each operand over the merged dimensions (0 where it repeats).
  const aStrides: number[] = [];
  const bStrides: number[] = [];
  let aStride = innerDim.aRepeats ? 1 : inner;
  let bStride = innerDim.bRepeats ? 1 : inner;
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k]!;
    aStrides[k] = d.aRepeats ? 0 : aStride;
    bStrides[k] = d.bRepeats ? 0 : bStride;
    if (!d.aRepeats) aStride *= d.size;
    if (!d.bRepeats) bStride *= d.size;
  }

  const aOffsets = new Int32Array(rows);
  const bOffsets = new Int32Array(rows);
  const index = new Array<number>(dims.length).fill(0);
  let aOff = 0;
  let bOff = 0;
  for (let r = 0; r < rows; r++) {
    aOffsets[r] = aOff;
    bOffsets[r] = bOff;
    // Odometer increment over the outer dimensions, innermost first.
    for (let k = dims.length - 1; k >= 0; k--) {
      aOff += aStrides[k]!;
      bOff += bStrides[k]!;
      if (++index[k]! < dims[k]!.size) break;
      aOff -= aStrides[k]! * dims[k]!.size;
      bOff -= bStrides[k]! * dims[k]!.size;
      index[k] = 0;
    }
  }
  return {
    shape,
    rows,
    inner,
    aStep: innerDim.aRepeats ? 0 : 1,
    bStep: innerDim.bRepeats ? 0 : 1,
    aOffsets,
    bOffsets,
  };
}

/**
 * How TFLite's optimized binary kernels (ProcessBroadcastShapes) classify a pair of shapes:
 * equal after left-padding with 1s ('none'), broadcastable by the five-fold loop with the first
 * or the second input repeated along the innermost differing dimension ('first-fast',
 * 'second-fast'; the kernel then swaps its operands), or anything else ('generic'). The
 * classification decides the operand order of the float instruction, which shows in NaN payloads.
 */
export type BroadcastCategory = 'none' | 'first-fast' | 'second-fast' | 'generic';

export function tfliteBroadcastCategory(a: readonly number[], b: readonly number[]): BroadcastCategory {
  const rank = Math.max(a.length, b.length);
  const ea = Array.from({ length: rank }, (_, k) => a[a.length - rank + k] ?? 1);
  const eb = Array.from({ length: rank }, (_, k) => b[b.length - rank + k] ?? 1);
  if (ea.every((d, k) => d === eb[k])) return 'none';
  let category: BroadcastCategory = 'generic';
  for (let i = rank - 1; i >= 0; i--) {
    if (ea[i] === eb[i]) continue;
    if (ea[i] === 1) category = 'first-fast';
    else if (eb[i] === 1) category = 'second-fast';
    else return 'generic';
    break;
  }
  // The five-fold loop: [equal dims][a repeats][equal][b repeats][equal], from the inside out,
  // with a the repeated input (the second one when swapped).
  const [sa, sb] = category === 'second-fast' ? [eb, ea] : [ea, eb];
  let i = rank - 1;
  while (i >= 0 && sa[i] === sb[i]) i--;
  while (i >= 0 && sa[i] === 1) i--;
  while (i >= 0 && sa[i] === sb[i]) i--;
  while (i >= 0 && sb[i] === 1) i--;
  while (i >= 0 && sa[i] === sb[i]) i--;
  return i >= 0 ? 'generic' : category;
}
