import type { Layer } from '../compiled-model/index.js';

/** Bytes the device reads for one input layer (batch 1): size_bytes per execution. */
export function deviceInputBytes(layer: Layer): number {
  return layer.sizeBytes * layer.executionCount;
}

/** Bytes of the input as a TFLite tensor: y × x × z elements per execution. */
export function tensorInputBytes(layer: Layer): number {
  return layer.y * layer.x * layer.z * layer.elementSize * layer.executionCount;
}

/**
 * Writes a TFLite input tensor into the device buffer of its layer: each execution's
 * elements at the start of its size_bytes slot, the padding after them left as it is
 * (zero: the buffer is zero-filled once and padding is never written), and, for signed
 * layers, the top bit of every element flipped (the device works in offset binary).
 */
export function stageInput(layer: Layer, tensor: Uint8Array, device: Uint8Array): void {
  const slot = layer.sizeBytes;
  const elements = layer.y * layer.x * layer.z * layer.elementSize;
  const es = layer.elementSize;
  for (let e = 0; e < layer.executionCount; e++) {
    const src = tensor.subarray(e * elements, (e + 1) * elements);
    const at = e * slot;
    device.set(src, at);
    if (layer.signFlip) for (let i = at + es - 1; i < at + elements; i += es) device[i]! ^= 0x80;
  }
}
