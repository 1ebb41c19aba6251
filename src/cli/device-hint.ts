import { basename } from 'node:path';
import { EdgeTpuRequiredError } from '../interpreter/index.js';
import { findCatalogEntry } from '../models/index.js';
import { CommandError } from './command-error.js';

/**
 * Runs `create` (an interpreter, a pool, an extractor) and turns the library's "this model
 * needs an Edge TPU" into the command line's terms: the --device option, or the CPU twin.
 */
export async function withDeviceHint<T>(modelName: string, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (!(e instanceof EdgeTpuRequiredError)) throw e;
    const entry = findCatalogEntry(modelName) ?? findCatalogEntry(basename(modelName));
    const twin = entry?.cpuModel ? ` (${entry.cpuModel})` : modelName.includes('_edgetpu') ? ` (${basename(modelName).replace('_edgetpu', '')})` : '';
    throw new CommandError(
      'EDGETPU_REQUIRED',
      `${modelName} is compiled for the Edge TPU: pass --device usb with a Coral USB Accelerator plugged in, or use its CPU version${twin}`,
      { cause: e },
    );
  }
}

/** A classifier compiled for the Edge TPU has its classifier layer inside the compiled program. */
export function refuseCompiledClassifier(modelName: string): void {
  const entry = findCatalogEntry(modelName) ?? findCatalogEntry(basename(modelName));
  if (entry?.kind === 'classifier' && entry.edgetpu) {
    throw new CommandError(
      'COMPILED_CLASSIFIER',
      `${modelName} is a classifier compiled for the Edge TPU: its classifier layer is inside the compiled program and cannot be cut off; use ${entry.cpuModel ?? 'its CPU version'} or an embedding extractor`,
    );
  }
}
