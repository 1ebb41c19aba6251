import type { DType } from '../tflite/index.js';
import type { KernelDefinition } from './kernel.js';

/**
 * Kernels by op name and element type of the first input, as tfjs-core registers its
 * kernels per backend. Kernels register themselves on import (see kernels/index.ts);
 * the Edge TPU driver registers the edgetpu-custom-op kernel when it is used.
 */
const kernels = new Map<string, Map<DType, KernelDefinition>>();

export function registerKernel(def: KernelDefinition): void {
  let byType = kernels.get(def.op);
  if (!byType) kernels.set(def.op, (byType = new Map()));
  for (const t of def.dtypes) byType.set(t, def);
}

/** The kernel for `op` whose first input is `dtype`, or undefined. */
export function findKernel(op: string, dtype: DType): KernelDefinition | undefined {
  return kernels.get(op)?.get(dtype);
}

/** The element types some kernel of `op` accepts (empty when the op has no kernel at all). */
export function supportedDtypes(op: string): DType[] {
  return [...(kernels.get(op)?.keys() ?? [])];
}

/** Every registered op name, sorted. */
export function registeredOps(): string[] {
  return [...kernels.keys()].sort();
}
