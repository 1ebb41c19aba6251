import { fb } from '../../tflite/index.js';

/** Output size along one spatial axis (TFLite's ComputeOutSize). */
export function outputSize(padding: fb.Padding, inSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  if (stride <= 0) return 0;
  return padding === fb.Padding.SAME ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize + stride - effectiveFilter) / stride);
}

/**
 * Padding before the first element along one axis (TFLite's ComputePadding): half the total
 * padding SAME needs, rounded down (C division truncates toward zero), never negative. The
 * extra odd element goes after the last one.
 */
export function paddingBefore(stride: number, dilation: number, inSize: number, filterSize: number, outSize: number): number {
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  const total = (outSize - 1) * stride + effectiveFilter - inSize;
  return Math.max(0, Math.trunc(total / 2));
}

/** Padding, strides and dilation of a 2-D window op, resolved for given input and filter sizes. */
export interface Window2D {
  readonly outHeight: number;
  readonly outWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

export function window2D(
  padding: fb.Padding,
  inHeight: number,
  inWidth: number,
  filterHeight: number,
  filterWidth: number,
  strideH: number,
  strideW: number,
  dilationH = 1,
  dilationW = 1,
): Window2D {
  const outHeight = outputSize(padding, inHeight, filterHeight, strideH, dilationH);
  const outWidth = outputSize(padding, inWidth, filterWidth, strideW, dilationW);
  // VALID pads nothing; SAME pads by the formula above.
  const same = padding === fb.Padding.SAME;
  return {
    outHeight,
    outWidth,
    padTop: same ? paddingBefore(strideH, dilationH, inHeight, filterHeight, outHeight) : 0,
    padLeft: same ? paddingBefore(strideW, dilationW, inWidth, filterWidth, outWidth) : 0,
    strideH,
    strideW,
    dilationH,
    dilationW,
  };
}
