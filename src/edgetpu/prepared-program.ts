import type { EdgeTpuProgram, Executable, Layer } from './compiled-model/index.js';
import { InvalidExecutableError } from './errors.js';
import type { CopyPlan } from './io/copy-plan.js';
import { deviceInputBytes, tensorInputBytes } from './io/input-staging.js';
import { deviceOutputBytes, planOutputRelayout, tensorOutputBytes } from './io/output-relayout.js';

/**
 * A program checked for this driver and given its buffers: one zero-filled device buffer
 * per input (padding stays zero), one per output, and the relayout plan of each output.
 * Built once per program and device, so that an inference allocates nothing on the host side.
 */
export interface PreparedProgram {
  readonly program: EdgeTpuProgram;
  readonly inputs: readonly { readonly layer: Layer; readonly device: Uint8Array; readonly tensorBytes: number }[];
  readonly outputs: readonly { readonly layer: Layer; readonly device: Uint8Array; readonly plan: CopyPlan; readonly tensorBytes: number }[];
  /** Device buffers by layer name, for the DMA hints. */
  readonly inputBuffers: ReadonlyMap<string, Uint8Array>;
  readonly outputBuffers: ReadonlyMap<string, Uint8Array>;
}

/** Checks `program` and builds its buffers and plans. Each device keeps its own (see EdgeTpuDevice). */
export function prepareProgram(program: EdgeTpuProgram): PreparedProgram {
  for (const e of [program.executable, program.parameterCaching]) if (e) checkRunnable(e, program);
  const inputs = program.inputs.map((layer) => ({ layer, device: new Uint8Array(deviceInputBytes(layer)), tensorBytes: tensorInputBytes(layer) }));
  const outputs = program.outputs.map((layer) => ({ layer, device: new Uint8Array(deviceOutputBytes(layer)), plan: planOutputRelayout(layer), tensorBytes: tensorOutputBytes(layer) }));
  return {
    program,
    inputs,
    outputs,
    inputBuffers: new Map(inputs.map((i) => [i.layer.name, i.device])),
    outputBuffers: new Map(outputs.map((o) => [o.layer.name, o.device])),
  };
}

/** What this driver runs: deterministic DMA hints, batch 1, one Beagle chip, no scratch transfers. */
function checkRunnable(e: Executable, program: EdgeTpuProgram): void {
  const no = (why: string) => new InvalidExecutableError(`the Edge TPU executable '${e.name}' (${e.type}) ${why}; this driver cannot run it`);
  if (program.package.virtualChipId === -1) throw no('is part of a multi-chip package');
  if (e.chip !== '' && e.chip !== 'beagle') throw no(`was compiled for the '${e.chip}' chip, not the Coral USB Accelerator's 'beagle'`);
  if (!e.fullyDeterministic) throw no('does not list all of its DMA transfers (it needs transfer descriptors from the device)');
  if (e.batchSize !== 1) throw no(`has batch size ${e.batchSize}; recompile the model with batch size 1`);
  for (const h of e.hints) {
    if (h.kind === 'data' && h.address === 'SCRATCH') throw no('moves scratch memory over USB');
  }
}
