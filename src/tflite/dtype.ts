import * as fb from './generated/tflite.js';

/** Tensor element types by the names TFLite's C API and numpy use. */
export type DType =
  | 'float32' | 'float16' | 'int32' | 'uint8' | 'int64' | 'string' | 'bool' | 'int16'
  | 'complex64' | 'int8' | 'float64' | 'complex128' | 'uint64' | 'resource' | 'variant'
  | 'uint32' | 'uint16' | 'int4' | 'bfloat16';

const BY_TYPE: Record<number, DType> = {
  [fb.TensorType.FLOAT32]: 'float32',
  [fb.TensorType.FLOAT16]: 'float16',
  [fb.TensorType.INT32]: 'int32',
  [fb.TensorType.UINT8]: 'uint8',
  [fb.TensorType.INT64]: 'int64',
  [fb.TensorType.STRING]: 'string',
  [fb.TensorType.BOOL]: 'bool',
  [fb.TensorType.INT16]: 'int16',
  [fb.TensorType.COMPLEX64]: 'complex64',
  [fb.TensorType.INT8]: 'int8',
  [fb.TensorType.FLOAT64]: 'float64',
  [fb.TensorType.COMPLEX128]: 'complex128',
  [fb.TensorType.UINT64]: 'uint64',
  [fb.TensorType.RESOURCE]: 'resource',
  [fb.TensorType.VARIANT]: 'variant',
  [fb.TensorType.UINT32]: 'uint32',
  [fb.TensorType.UINT16]: 'uint16',
  [fb.TensorType.INT4]: 'int4',
  [fb.TensorType.BFLOAT16]: 'bfloat16',
};
const BY_NAME = Object.fromEntries(Object.entries(BY_TYPE).map(([k, v]) => [v, Number(k)])) as Record<DType, fb.TensorType>;

export function dtypeOf(type: fb.TensorType): DType | undefined {
  return BY_TYPE[type];
}

export function tensorTypeOf(dtype: DType): fb.TensorType {
  return BY_NAME[dtype];
}

/** Bytes per element, or undefined where elements have no fixed size (string, int4 is packed). */
export function bytesPerElement(dtype: DType): number | undefined {
  switch (dtype) {
    case 'bool': case 'uint8': case 'int8': return 1;
    case 'float16': case 'int16': case 'uint16': case 'bfloat16': return 2;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 8;
    case 'complex128': return 16;
    default: return undefined;
  }
}

export type TypedArray =
  | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/**
 * A typed-array view of `bytes` for `dtype` (no copy when the bytes are aligned, an
 * aligned copy when they are not). Types without a JS typed array give the bytes.
 */
export function typedView(dtype: DType, bytes: Uint8Array): TypedArray {
  const make = <T>(C: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T => {
    const size = C.BYTES_PER_ELEMENT;
    if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
    return new C(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / size));
  };
  switch (dtype) {
    case 'int8': return make(Int8Array);
    case 'int16': return make(Int16Array);
    case 'uint16': return make(Uint16Array);
    case 'int32': return make(Int32Array);
    case 'uint32': return make(Uint32Array);
    case 'float32': return make(Float32Array);
    case 'float64': return make(Float64Array);
    case 'int64': return make(BigInt64Array);
    case 'uint64': return make(BigUint64Array);
    default: return bytes;
  }
}
