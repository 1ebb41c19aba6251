import { basename } from 'node:path';
import type { Model } from '../tflite/index.js';
import { EdgeTpuRequiredError } from './errors.js';
import { cpuVariantName } from './kernel-resolution.js';

/** What 'auto' became for a model: an accelerator's device name, or the CPU and why. */
export type AutoDeviceChoice = { device: string } | { device: 'cpu'; reason: string };

/**
 * Picks the accelerator for an Edge TPU model under device 'auto' (e.g. the first Edge TPU
 * plugged in). The Edge TPU driver registers one when it is imported; the interpreter itself
 * knows no devices, so that it does not depend on the driver.
 */
export type AutoDeviceResolver = (model: Model) => Promise<AutoDeviceChoice>;

let autoResolver: AutoDeviceResolver | null = null;

/** Installs (or, with null, removes) the resolver of device 'auto'. The last one set wins. */
export function setAutoDeviceResolver(resolver: AutoDeviceResolver | null): void {
  autoResolver = resolver;
}

/**
 * The device `device` stands for with this model: 'auto' becomes 'cpu' for a model without
 * an Edge TPU program (it needs no accelerator), otherwise what the registered resolver picks
 * ('cpu', with the reason, when it finds nothing or none is registered). Other names are
 * returned unchanged.
 */
export async function resolveDevice(device: string | undefined, model: Model): Promise<{ device: string | undefined; reason?: string }> {
  if (device !== 'auto') return { device };
  if (!model.isEdgeTpuModel) return { device: 'cpu' };
  if (!autoResolver) return { device: 'cpu', reason: "the Edge TPU driver (edgetpu-learn's edgetpu module) is not loaded, so no Edge TPU can be found" };
  return autoResolver(model);
}

/** 'auto' for a model without an Edge TPU program: no discovery needed, so this works synchronously. */
export function resolveDeviceSync(device: string | undefined, model: Model): string | undefined {
  if (device !== 'auto') return device;
  if (!model.isEdgeTpuModel) return 'cpu';
  throw new RangeError("device 'auto' looks for an Edge TPU, which takes an asynchronous discovery: use await Interpreter.create(model, { device: 'auto' })");
}

/** The error for an Edge TPU model when 'auto' found no Edge TPU: names the CPU variant to use instead. */
export function noEdgeTpuError(model: Model, reason: string): EdgeTpuRequiredError {
  const name = model.source ? `${basename(model.source)} ` : 'this model ';
  const cpu = cpuVariantName(model.source);
  const variant = cpu ? `its CPU variant ${cpu} (the same file name without _edgetpu)` : 'its CPU variant (the same file name without _edgetpu)';
  return new EdgeTpuRequiredError(
    `${name}is compiled for the Edge TPU, and device 'auto' fell back to the CPU: ${reason}. ` +
      `Run ${variant} on the CPU, or plug in a Coral USB Accelerator.`,
    cpu ? { cpuVariant: cpu } : {},
  );
}
