/**
 * SOFTMAX over the last dimension, for uint8 → uint8, int8 → int8 and float32.
 *
 * Quantized, as the TFLite 2.9 x86-64 runtime computes it (not the fixed-point reference): a
 * 256-entry float32 table T[255 − v] = exp(−s_in·β·v); per row, with max the row's largest
 * value, e(q) = T[255 − max + q], sum = Σ e(q) in float32 in index order, inv = 1 / (sum · s_out),
 * and each output is e(q)·inv quantized as trunc(p + 0.5) (uint8) or round(p) − 128 (int8).
 * The output must have scale 1/256 and zero point 0 (uint8) or −128 (int8), as TFLite requires.
 *
 * float32: Eigen's vectorized expression, reproduced operation by operation (see floatSoftmax).
 */
import { fb } from '../../tflite/index.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { packetExp } from '../eigen-float-math.js';
import { libmExpf } from '../libm-expf.js';
import { registerKernel } from '../registry.js';
import { expectCounts, expectShape, expectType, optionsOf, perTensorQuantization, requiredInput, requiredOutput, unsupported } from './node-checks.js';

const f32 = Math.fround;

function prepareSoftmax(node: KernelNode): KernelRun {
  expectCounts(node, [1, 1], 1);
  const inT = requiredInput(node, 0);
  const outT = requiredOutput(node, 0);
  const beta = f32(optionsOf(node, fb.SoftmaxOptionsT).beta);
  expectType(node, inT, ['uint8', 'int8', 'float32'], 'the input');
  expectType(node, outT, [inT.dtype], 'the output');
  expectShape(node, outT, inT.shape, 'the output');
  const depth = inT.shape.length > 0 ? inT.shape[inT.shape.length - 1]! : 1;
  const rows = depth === 0 ? 0 : inT.size / depth;
  if (inT.dtype === 'float32') return floatSoftmax(inT.data as Float32Array, outT.data as Float32Array, rows, depth, beta);

  const inScale = perTensorQuantization(node, inT, 'the input').scale;
  const out = perTensorQuantization(node, outT, 'the output');
  const expectedZp = outT.dtype === 'uint8' ? 0 : -128;
  if (out.zeroPoint !== expectedZp || Math.abs(out.scale - 1 / 256) > 0.001 / 256) {
    throw unsupported(node, `a ${outT.dtype} softmax output needs scale 1/256 and zero point ${expectedZp} (has ${out.scale}, ${out.zeroPoint})`);
  }
  const table = new Float32Array(256);
  const exponentScale = f32(-inScale * beta);
  // std::exp(float) is glibc's expf, which is not always the correctly rounded value.
  for (let v = 0; v <= 255; v++) table[255 - v] = libmExpf(f32(exponentScale * v));
  const outScale = f32(out.scale);
  const x = inT.data as Uint8Array | Int8Array;
  const y = outT.data as Uint8Array | Int8Array;
  const isUint8 = outT.dtype === 'uint8';
  const qmin = isUint8 ? 0 : -128;
  const qmax = isUint8 ? 255 : 127;

  return function softmaxQuantized(): void {
    for (let r = 0; r < rows; r++) {
      const start = r * depth;
      const end = start + depth;
      let max = -Infinity;
      for (let i = start; i < end; i++) if (x[i]! > max) max = x[i]!;
      const base = 255 - max;
      let sum = 0;
      for (let i = start; i < end; i++) sum = f32(sum + table[base + x[i]!]!);
      const inv = f32(1 / f32(sum * outScale));
      for (let i = start; i < end; i++) {
        const p = f32(table[base + x[i]!]! * inv);
        // uint8: truncation after adding 0.5f; int8: std::round, halves away from zero.
        const q = isUint8 ? Math.trunc(f32(p + 0.5)) : (p < 0 ? -Math.round(-p) : Math.round(p)) + expectedZp;
        y[i] = q < qmin ? qmin : q > qmax ? qmax : q;
      }
    }
  };
}

/**
 * float32 as the 2.9 runtime's Eigen expression computes it on SSE (4-float packets, no FMA,
 * flush-to-zero): e = exp((x − max)·β) over the whole tensor, Eigen's packet exp on the first
 * floor(n/4)·4 elements and the C library's expf on the rest; per row, Eigen's vectorized sum
 * (scalar head up to the first 16-byte boundary of the row, two packet accumulators, a
 * pairwise horizontal add, scalar tail); then e times the float32 inverse of the sum.
 */
function floatSoftmax(x: Float32Array, y: Float32Array, rows: number, depth: number, beta: number): KernelRun {
  const plan: FloatSoftmaxPlan = { x, y, rows, depth, beta, packet0: new Float64Array(4), packet1: new Float64Array(4) };
  return () => softmaxFloat(plan);
}

interface FloatSoftmaxPlan {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
  readonly depth: number;
  readonly beta: number;
  /** Eigen's two packet accumulators of the row sum. */
  readonly packet0: Float64Array;
  readonly packet1: Float64Array;
}

const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;
/** A float32 result under the SSE flush-to-zero mode the runtime sets. */
const ftz = (v: number): number => (v < FLOAT32_MIN_NORMAL && v > -FLOAT32_MIN_NORMAL ? v * 0 : v);
const PACKET = 4;

function softmaxFloat(plan: FloatSoftmaxPlan): void {
  const { x, y, rows, depth, beta } = plan;
  const n = rows * depth;
  for (let r = 0; r < rows; r++) {
    const start = r * depth;
    let max = -Infinity;
    for (let i = start; i < start + depth; i++) if (x[i]! > max) max = x[i]!;
    max = ftz(max);
    for (let i = start; i < start + depth; i++) y[i] = ftz(f32(ftz(f32(ftz(x[i]!) - max)) * beta));
  }
  const packetEnd = n - (n % PACKET);
  for (let i = 0; i < packetEnd; i++) y[i] = packetExp(ftz(y[i]!));
  for (let i = packetEnd; i < n; i++) y[i] = ftz(libmExpf(ftz(y[i]!)));
  for (let r = 0; r < rows; r++) {
    const start = r * depth;
    const inverse = ftz(f32(1 / rowSum(plan, start)));
    for (let i = start; i < start + depth; i++) y[i] = ftz(f32(y[i]! * inverse));
  }
}

/** Eigen's LinearVectorizedTraversal sum of y[start..start+depth), the tensor's start being 16-byte aligned. */
function rowSum(plan: FloatSoftmaxPlan, start: number): number {
  const { y, depth, packet0: p0, packet1: p1 } = plan;
  const add = (a: number, b: number): number => ftz(f32(a + b));
  const alignedStart = Math.min((PACKET - (start % PACKET)) % PACKET, depth);
  const alignedSize = Math.floor((depth - alignedStart) / PACKET) * PACKET;
  const alignedSize2 = Math.floor((depth - alignedStart) / (2 * PACKET)) * 2 * PACKET;
  const alignedEnd = alignedStart + alignedSize;
  const alignedEnd2 = alignedStart + alignedSize2;
  if (alignedSize === 0) {
    let sum = y[start]!;
    for (let i = 1; i < depth; i++) sum = add(sum, y[start + i]!);
    return sum;
  }
  const a = start + alignedStart;
  for (let k = 0; k < PACKET; k++) p0[k] = y[a + k]!;
  if (alignedSize > PACKET) {
    for (let k = 0; k < PACKET; k++) p1[k] = y[a + PACKET + k]!;
    for (let i = alignedStart + 2 * PACKET; i < alignedEnd2; i += 2 * PACKET) {
      for (let k = 0; k < PACKET; k++) {
        p0[k] = add(p0[k]!, y[start + i + k]!);
        p1[k] = add(p1[k]!, y[start + i + PACKET + k]!);
      }
    }
    for (let k = 0; k < PACKET; k++) p0[k] = add(p0[k]!, p1[k]!);
    if (alignedEnd > alignedEnd2) for (let k = 0; k < PACKET; k++) p0[k] = add(p0[k]!, y[start + alignedEnd2 + k]!);
  }
  // predux: (p0 + p2) + (p1 + p3).
  let sum = add(add(p0[0]!, p0[2]!), add(p0[1]!, p0[3]!));
  for (let i = 0; i < alignedStart; i++) sum = add(sum, y[start + i]!);
  for (let i = alignedEnd; i < depth; i++) sum = add(sum, y[start + i]!);
  return sum;
}

registerKernel({ op: 'SOFTMAX', dtypes: ['uint8', 'int8', 'float32'], prepare: prepareSoftmax });
