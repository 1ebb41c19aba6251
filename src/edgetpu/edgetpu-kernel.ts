import { EDGETPU_CUSTOM_OP, type DType } from '../tflite/index.js';
import { setAutoDeviceResolver, type AutoDeviceChoice } from '../interpreter/device-resolver.js';
import { EdgeTpuRequiredError, UnsupportedOperatorError } from '../interpreter/errors.js';
import type { KernelNode } from '../interpreter/kernel.js';
import type { ClosableKernelRun } from '../interpreter/interpreter.js';
import { registerKernel } from '../interpreter/registry.js';
import type { RuntimeTensor } from '../interpreter/tensor.js';
import { readEdgeTpuProgram, type Layer, type LayerDataType } from './compiled-model/index.js';
import { EdgeTpuDevice, type EdgeTpuOptions } from './device.js';
import { listEdgeTpus } from './discovery.js';
import { EdgeTpuNotFoundError } from './errors.js';
import { clampInt16Classifier, quantizeFloatClassifier } from './io/classifier-output.js';
import { prepareProgram } from './prepared-program.js';

/** The TFLite element type that carries each layer type unchanged. */
const TFLITE_TYPE: Partial<Record<LayerDataType, DType>> = {
  FIXED_POINT8: 'uint8',
  SIGNED_FIXED_POINT8: 'int8',
  FIXED_POINT16: 'int16',
  SIGNED_FIXED_POINT16: 'int16',
  SIGNED_FIXED_POINT32: 'int32',
  HALF: 'float16',
  SINGLE: 'float32',
};

/**
 * Edge TPUs the kernel can use, by the interpreter's `device` option. A registered
 * EdgeTpuDevice stays the caller's; one registered by options (or the default one) is
 * opened on first use and closed when the last interpreter using it closes.
 */
interface SharedDevice {
  device: Promise<EdgeTpuDevice> | null;
  options: EdgeTpuOptions | null;
  users: number;
}
const devices = new Map<string, SharedDevice>();

/**
 * Makes `name` usable as Interpreter.create's `device` option for models with an Edge TPU
 * op: an open EdgeTpuDevice, or the options to open one with (a path, a transport such as
 * edgetpu-learn/testing's TraceReplayDevice, timeouts...).
 */
export function registerEdgeTpu(name: string, target: EdgeTpuDevice | EdgeTpuOptions): void {
  // 'cpu' and 'auto' are resolved by the interpreter before any kernel sees them.
  if (name === 'cpu' || name === 'auto') throw new RangeError(`'${name}' cannot name an Edge TPU`);
  devices.set(name, target instanceof EdgeTpuDevice ? { device: Promise.resolve(target), options: null, users: 0 } : { device: null, options: target, users: 0 });
}

const BUILT_IN_NAME = /^(usb|edgetpu)$|^usb:(\d+|\/.+)$|^\//;

/**
 * One name per accelerator choice, so that interpreters naming the same one differently share
 * one open device instead of fighting over it: 'edgetpu' and 'usb:0' are 'usb' (the first in
 * listEdgeTpus() order), 'usb:<path>' is the path.
 */
function canonicalName(name: string): string {
  if (name === 'edgetpu' || name === 'usb:0') return 'usb';
  return name.startsWith('usb:/') ? name.slice(4) : name;
}

/**
 * Device names understood without registration: 'usb' or 'edgetpu' (the first accelerator),
 * 'usb:N' (the N-th, in listEdgeTpus() order), or a path from listEdgeTpus() (also as
 * 'usb:<path>'). Names given to registerEdgeTpu() come first. Returns null for other names.
 */
function sharedDevice(name: string): SharedDevice | null {
  const registered = devices.get(name);
  if (registered) return registered;
  if (!BUILT_IN_NAME.test(name)) return null;
  const key = canonicalName(name);
  let d = devices.get(key);
  if (!d) {
    d = { device: null, options: {}, users: 0 };
    devices.set(key, d);
  }
  return d;
}

/** Device 'auto' for an Edge TPU model: the first Coral USB Accelerator plugged in, else the CPU. */
async function pickAutoDevice(): Promise<AutoDeviceChoice> {
  try {
    const found = await listEdgeTpus();
    if (found.length > 0) return { device: 'usb' };
    return { device: 'cpu', reason: 'no Coral USB Accelerator is plugged in (listEdgeTpus() found none)' };
  } catch (e) {
    // Discovery failing (no USB library for this platform...) is no reason to fail the CPU fallback.
    return { device: 'cpu', reason: `looking for an Edge TPU failed: ${(e as Error).message}` };
  }
}

async function openShared(name: string, d: SharedDevice): Promise<EdgeTpuDevice> {
  const options = { ...d.options };
  const key = canonicalName(name);
  const spec = key.startsWith('usb:') ? key.slice(4) : key;
  if (/^\d+$/.test(spec)) {
    const list = await listEdgeTpus({ transport: options.transport });
    const picked = list[Number(spec)];
    if (!picked) throw new EdgeTpuNotFoundError(`device '${name}': there are ${list.length} Edge TPU(s) plugged in`);
    options.path = picked.path;
  } else if (spec.startsWith('/')) {
    options.path = spec;
  }
  return EdgeTpuDevice.open(options);
}

function layerType(l: Layer): string {
  return `${l.dataType} ${l.y}×${l.x}×${l.z}`;
}

/** How an output layer's bytes become the TFLite output tensor. */
type OutputConversion = { kind: 'copy' } | { kind: 'float-classifier'; staging: Uint8Array; floats: Float32Array } | { kind: 'int16-classifier'; staging: Uint8Array; values: Int16Array };

function prepareEdgeTpuOp(node: KernelNode): ClosableKernelRun {
  // The interpreter runs on the CPU unless asked otherwise; only an Edge TPU device name engages this kernel.
  const name = node.device ?? 'cpu';
  const shared = name === 'cpu' ? null : sharedDevice(name);
  if (!shared) {
    const asked = name === 'cpu' ? 'the interpreter runs on the CPU' : `the interpreter's device '${name}' is not an Edge TPU`;
    throw new EdgeTpuRequiredError(
      `this model needs an Edge TPU: operator ${node.index} is ${EDGETPU_CUSTOM_OP}, a program compiled for the Edge TPU, and ${asked}. ` +
        "Create the interpreter with device: 'usb' (or 'auto', 'usb:N', a path from listEdgeTpus(), or a name given to registerEdgeTpu()) to run it on a Coral USB Accelerator, " +
        'or run its CPU variant (the same file name without _edgetpu) on the CPU.',
    );
  }
  const where = `operator ${node.index} (${EDGETPU_CUSTOM_OP})`;
  const program = readEdgeTpuProgram(node.customOptions, { source: where });
  const prepared = prepareProgram(program);
  const unsupported = (why: string) => new UnsupportedOperatorError(`${where}: ${why}`, { op: EDGETPU_CUSTOM_OP, operatorIndex: node.index });

  if (node.inputs.length !== program.inputs.length) throw unsupported(`the op has ${node.inputs.length} inputs, its Edge TPU program ${program.inputs.length}`);
  const inputs = program.inputs.map((layer, i) => {
    const t = node.inputs[i];
    if (!t) throw unsupported(`input ${i} is missing`);
    if (TFLITE_TYPE[layer.dataType] !== t.dtype) throw unsupported(`input ${i} ('${t.name}') is ${t.dtype}, the device layer is ${layerType(layer)}`);
    if (t.bytes.length !== prepared.inputs[i]!.tensorBytes) {
      throw unsupported(`input ${i} ('${t.name}') has ${t.bytes.length} bytes, the device layer ${prepared.inputs[i]!.tensorBytes} (only batch 1 is supported)`);
    }
    return t.bytes;
  });

  if (node.outputs.length !== program.outputs.length) throw unsupported(`the op has ${node.outputs.length} outputs, its Edge TPU program ${program.outputs.length}`);
  const conversions: OutputConversion[] = [];
  const deviceOutputs = program.outputs.map((layer, i) => {
    const t: RuntimeTensor = node.outputs[i]!;
    if (layer.name.endsWith('_variable_output')) throw unsupported(`output '${layer.name}' is a variable (state) tensor, which this driver does not write back`);
    const bytes = prepared.outputs[i]!.tensorBytes;
    const classifier = layer.y === 1 && layer.x === 1 && t.dtype === 'uint8';
    if (classifier && layer.dataType === 'SINGLE' && t.size === layer.z) {
      const staging = new Uint8Array(bytes);
      conversions.push({ kind: 'float-classifier', staging, floats: new Float32Array(staging.buffer) });
      return staging;
    }
    if (classifier && layer.dataType === 'FIXED_POINT16' && t.size === layer.z) {
      const staging = new Uint8Array(bytes);
      conversions.push({ kind: 'int16-classifier', staging, values: new Int16Array(staging.buffer) });
      return staging;
    }
    if (TFLITE_TYPE[layer.dataType] !== t.dtype) throw unsupported(`output ${i} ('${t.name}') is ${t.dtype}, the device layer is ${layerType(layer)}`);
    if (t.bytes.length !== bytes) throw unsupported(`output ${i} ('${t.name}') has ${t.bytes.length} bytes, the device layer ${bytes} (only batch 1 is supported)`);
    conversions.push({ kind: 'copy' });
    return t.bytes;
  });
  const quantization = node.outputs.map((t) => ({ scale: t.quantization?.scale[0] ?? 1, zeroPoint: t.quantization?.zeroPoint[0] ?? 0 }));

  shared.users++;
  let closed = false;

  const run = async (): Promise<void> => {
    shared.device ??= openShared(name, shared).catch((e: unknown) => {
      shared.device = null;
      throw e;
    });
    const device = await shared.device;
    await device.runInto(program, inputs, deviceOutputs);
    for (let i = 0; i < conversions.length; i++) {
      const c = conversions[i]!;
      if (c.kind === 'copy') continue;
      const out = node.outputs[i]!.bytes;
      if (c.kind === 'float-classifier') quantizeFloatClassifier(c.floats, quantization[i]!.scale, quantization[i]!.zeroPoint, out);
      else clampInt16Classifier(c.values, out);
    }
  };
  return Object.assign(run, {
    close: async (): Promise<void> => {
      if (closed) return;
      closed = true;
      shared.users--;
      // Devices opened from options are ours: close them with their last user.
      if (shared.users === 0 && shared.options !== null && shared.device) {
        const device = shared.device;
        shared.device = null;
        await (await device.catch(() => null))?.close();
      }
    },
  });
}

setAutoDeviceResolver(pickAutoDevice);

registerKernel({
  op: EDGETPU_CUSTOM_OP,
  dtypes: ['uint8', 'int8', 'int16', 'int32', 'float16', 'float32'],
  prepare: prepareEdgeTpuOp,
});
