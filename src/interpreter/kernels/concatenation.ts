/**
 * CONCATENATION along one axis, for any fixed-size element type. Inputs whose quantization
 * equals the output's are copied as bytes; a uint8 input with other parameters is requantized
 * as TFLite's ConcatenationWithScaling does, in float32 (int8 inputs must match, as in TFLite):
 *   q_out = clamp(round(q · (s_in / s_out) + (−zp_in · s_in / s_out)) + zp_out).
 */
import { fb, type DType } from '../../tflite/index.js';
import { integerRange } from '../activation-range.js';
import type { KernelNode, KernelRun } from '../kernel.js';
import { roundHalfAwayFromZero } from '../quantization-math.js';
import { registerKernel } from '../registry.js';
import type { RuntimeTensor } from '../tensor.js';
import { expectShape, expectType, invalid, optionsOf, perTensorQuantization, requiredOutput, shapeText, unsupported } from './node-checks.js';

const f32 = Math.fround;
const TYPES: DType[] = ['float32', 'int32', 'uint8', 'int8', 'int16', 'int64', 'bool', 'float16', 'uint16', 'uint32', 'uint64', 'float64'];

/** One contiguous run of the output, taken from one input. */
interface Segment {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
}

interface RequantizedSegment {
  readonly from: Uint8Array | Int8Array;
  readonly to: Uint8Array | Int8Array;
  readonly scale: number;
  readonly bias: number;
}

function sameQuantization(a: RuntimeTensor, b: RuntimeTensor): boolean {
  const qa = a.quantization;
  const qb = b.quantization;
  if (!qa || !qb) return qa === qb;
  return qa.scale.length === qb.scale.length && qa.scale.every((s, i) => s === qb.scale[i] && qa.zeroPoint[i] === qb.zeroPoint[i]);
}

function prepareConcatenation(node: KernelNode): KernelRun {
  if (node.outputs.length !== 1) throw invalid(node, `has ${node.outputs.length} outputs, expected 1`);
  const inputs = node.inputs.map((t, i) => {
    if (!t) throw invalid(node, `input ${i} is missing`);
    return t;
  });
  if (inputs.length === 0) throw invalid(node, 'has no inputs');
  const outT = requiredOutput(node, 0);
  const options = optionsOf(node, fb.ConcatenationOptionsT);
  if (options.fusedActivationFunction !== fb.ActivationFunctionType.NONE) throw unsupported(node, `fused activation ${fb.ActivationFunctionType[options.fusedActivationFunction]}`);
  const first = inputs[0]!;
  inputs.forEach((t, i) => expectType(node, t, [first.dtype], `input ${i}`));
  expectType(node, outT, [first.dtype], 'the output');
  const rank = first.shape.length;
  const axis = options.axis < 0 ? options.axis + rank : options.axis;
  if (axis < 0 || axis >= rank) throw invalid(node, `axis ${options.axis} is out of range for rank ${rank}`);
  for (const [i, t] of inputs.entries()) {
    if (t.shape.length !== rank || t.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
      throw invalid(node, `input ${i} has shape ${shapeText(t.shape)}, which does not match ${shapeText(first.shape)} outside axis ${axis}`);
    }
  }
  const expected = first.shape.slice();
  expected[axis] = inputs.reduce((n, t) => n + t.shape[axis]!, 0);
  expectShape(node, outT, expected, 'the output');

  const outer = first.shape.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = first.shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const elementBytes = outT.size === 0 ? 0 : outT.bytes.length / outT.size;
  const quantized = first.dtype === 'uint8' || first.dtype === 'int8';
  const [qmin, qmax] = quantized ? integerRange(first.dtype) : [0, 0];
  const outQ = quantized ? perTensorQuantization(node, outT, 'the output') : undefined;
  const inverseOutScale = outQ ? f32(1 / outQ.scale) : 0;
  const zpOut = outQ?.zeroPoint ?? 0;

  const copies: Segment[] = [];
  const requantized: RequantizedSegment[] = [];
  let dst = 0;
  for (let k = 0; k < outer; k++) {
    for (const t of inputs) {
      const elements = t.shape[axis]! * inner;
      const src = k * elements;
      if (!quantized || sameQuantization(t, outT)) {
        copies.push({ from: t.bytes.subarray(src * elementBytes, (src + elements) * elementBytes), to: outT.bytes.subarray(dst * elementBytes, (dst + elements) * elementBytes) });
      } else if (first.dtype === 'int8') {
        throw unsupported(node, 'an int8 input is quantized differently from the output; TFLite 2.9 requires equal scales and zero points for int8');
      } else {
        const q = perTensorQuantization(node, t, 'an input');
        const scale = f32(q.scale * inverseOutScale);
        const x = t.data as Uint8Array | Int8Array;
        const y = outT.data as Uint8Array | Int8Array;
        requantized.push({ from: x.subarray(src, src + elements), to: y.subarray(dst, dst + elements), scale, bias: f32(-q.zeroPoint * scale) });
      }
      dst += elements;
    }
  }

  return function concatenation(): void {
    for (let s = 0; s < copies.length; s++) {
      const c = copies[s]!;
      c.to.set(c.from);
    }
    for (let s = 0; s < requantized.length; s++) {
      const { from, to, scale, bias } = requantized[s]!;
      for (let j = 0; j < from.length; j++) {
        const v = roundHalfAwayFromZero(f32(f32(from[j]! * scale) + bias)) + zpOut;
        to[j] = v < qmin ? qmin : v > qmax ? qmax : v;
      }
    }
  };
}

registerKernel({ op: 'CONCATENATION', dtypes: TYPES, prepare: prepareConcatenation });
