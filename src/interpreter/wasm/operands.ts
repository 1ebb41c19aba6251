import type { RuntimeTensor } from '../tensor.js';
import type { WasmKernels } from './module.js';
import { ScratchTransfer } from './transfer.js';

/**
 * An operator's input in wasm memory: the tensor itself when it lives there (an arena tensor,
 * see arena.ts), else a copy made in the 'input' scratch region on each run.
 */
export class WasmInput {
  private readonly address: number | null;
  private readonly copy: ScratchTransfer | null = null;

  constructor(private readonly kernels: WasmKernels, tensor: RuntimeTensor) {
    this.address = kernels.heap.addressOf(tensor.bytes);
    if (this.address === null) {
      kernels.scratch.reserve('input', tensor.bytes.length);
      this.copy = new ScratchTransfer(kernels.heap, kernels.scratch, 'input', 0, tensor.bytes);
    }
  }

  /** At run time: the tensor's current bytes, at this wasm address. */
  fetch(): number {
    if (this.address !== null) return this.address;
    this.copy!.in();
    return this.kernels.scratch.ptr('input');
  }
}

/**
 * An operator's output in wasm memory: the tensor itself when it lives there, else the
 * 'output' scratch region, copied to the tensor by store().
 */
export class WasmOutput {
  private readonly address: number | null;
  private readonly copy: ScratchTransfer | null = null;

  constructor(private readonly kernels: WasmKernels, tensor: RuntimeTensor) {
    this.address = kernels.heap.addressOf(tensor.bytes);
    if (this.address === null) {
      kernels.scratch.reserve('output', tensor.bytes.length);
      this.copy = new ScratchTransfer(kernels.heap, kernels.scratch, 'output', 0, tensor.bytes);
    }
  }

  /** Where the kernel writes. */
  target(): number {
    return this.address ?? this.kernels.scratch.ptr('output');
  }

  /** After the kernel ran: brings the result to the tensor when it was written elsewhere. */
  store(): void {
    this.copy?.out();
  }
}
