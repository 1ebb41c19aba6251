/**
 * Old classifier executables end in a float32 or 16-bit layer while the TFLite output is
 * uint8; the vendor runtime converts them as below, and so do we.
 */

/** float → uint8 with the TFLite tensor's scale and zero point: truncated toward zero, then clamped. */
export function quantizeFloatClassifier(values: Float32Array, scale: number, zeroPoint: number, out: Uint8Array): void {
  for (let j = 0; j < out.length; j++) out[j] = Math.min(Math.max(Math.trunc(values[j]! / scale + zeroPoint), 0), 255);
}

/** int16 → uint8, clamped. */
export function clampInt16Classifier(values: Int16Array, out: Uint8Array): void {
  for (let j = 0; j < out.length; j++) out[j] = Math.min(Math.max(values[j]!, 0), 255);
}
