import { Model } from '../../tflite/index.js';
import type { HeapBlock } from './heap.js';
import { wasmKernels } from './module.js';

/** A model parsed from bytes in the WebAssembly kernels' memory, which its interpreter owns. */
export interface ModelInKernelMemory {
  readonly model: Model;
  readonly bytes: Uint8Array;
  /** Gives the bytes back to the kernels' allocator (once; later calls do nothing). */
  release(): void;
}

/**
 * Reads a model file straight into the kernels' memory, so that convolution and fully
 * connected filters can be packed where they are instead of into a second copy: the file's
 * bytes become the weights, and the process holds the model once instead of twice (the file's
 * buffer would otherwise stay until the garbage collector frees it). Returns null when the
 * WebAssembly kernels are off, for a model with custom operators (an Edge TPU program stays a
 * view of the model's bytes, which should not be wasm memory), or when the kernels' memory
 * cannot hold the file: read it normally then.
 */
export async function loadModelIntoKernelMemory(path: string): Promise<ModelInKernelMemory | null> {
  const kernels = wasmKernels();
  if (!kernels) return null;
  const { heap } = kernels;
  let block: HeapBlock | null = null;
  const release = (): void => {
    if (block) heap.release(block);
    block = null;
  };
  // Set when the kernels' memory cannot hold the file (it is limited to 4 GiB).
  let noRoom = false;
  try {
    let bytes: Uint8Array = new Uint8Array(0);
    const model = await Model.load(path, {
      into: (size) => {
        try {
          block = heap.alloc(size);
        } catch (e) {
          noRoom = true;
          throw e;
        }
        bytes = heap.u8.subarray(block.ptr, block.ptr + size);
        return bytes;
      },
    });
    if (model.operatorCodes.some((c) => c.customCode !== null)) {
      release();
      return null;
    }
    return { model, bytes, release };
  } catch (e) {
    release();
    if (noRoom) return null;
    throw e;
  }
}
