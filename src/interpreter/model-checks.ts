import { InvalidModelError, type TensorInfo } from '../tflite/index.js';
import { integerRange } from './activation-range.js';
import { UnsupportedModelError } from './errors.js';

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Every tensor must have a fixed shape: the interpreter plans all memory once, at create(). */
export function checkStaticShape(t: TensorInfo, source: string | undefined): void {
  const dynamic = t.shape.some((d) => d < 0) || (t.shapeSignature?.some((d) => d < 0) ?? false);
  if (!dynamic) return;
  const where = source ? `${source}: ` : '';
  throw new UnsupportedModelError(
    `${where}tensor ${t.index} ('${t.name}') has a dynamic shape (shape ${shapeText(t.shape)}, signature ${shapeText(t.shapeSignature ?? t.shape)}); ` +
      'this interpreter runs models with fixed shapes only: convert the model with a fixed input shape (e.g. batch size 1)',
  );
}

const INTEGER_TYPES = new Set(['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32']);

/**
 * Quantization parameters must describe a usable affine mapping: finite positive scales, zero
 * points inside the element type, and one entry per index of the quantized dimension.
 */
export function checkQuantization(t: TensorInfo, source: string | undefined): void {
  const q = t.quantization;
  if (!q || !INTEGER_TYPES.has(t.dtype)) return;
  const what = `tensor ${t.index} ('${t.name}', ${t.dtype}${shapeText(t.shape)})`;
  const fail = (why: string): never => {
    throw new InvalidModelError(`${what} has invalid quantization: ${why}; re-export the model from the converter`, { source });
  };
  if (q.zeroPoint.length !== q.scale.length) fail(`${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
  if (q.scale.length > 1) {
    if (!(q.axis >= 0 && q.axis < t.shape.length)) fail(`quantized dimension ${q.axis} is not a dimension of the tensor`);
    if (t.shape[q.axis] !== q.scale.length) fail(`${q.scale.length} per-channel scales for dimension ${q.axis} of size ${t.shape[q.axis]}`);
  }
  const [lo, hi] = integerRange(t.dtype);
  for (let i = 0; i < q.scale.length; i++) {
    const s = q.scale[i]!;
    if (!Number.isFinite(s)) fail(`scale ${s} is not finite`);
    if (s === 0) fail('scale is zero');
    if (s < 0) fail(`scale ${s} is negative`);
    const z = q.zeroPoint[i]!;
    if (z < lo || z > hi) fail(`zero point ${z} is outside the ${t.dtype} range [${lo}, ${hi}]`);
  }
}
