import { InvalidExecutableError, UnsupportedRuntimeVersionError } from '../errors.js';
import { FlatbufferError } from './flat-table.js';
import { FlexBufferError, FlexRef } from './flexbuffer.js';
import { readPackage, type EdgeTpuPackage } from './package.js';
import type { Executable } from './executable.js';
import type { Layer } from './layer.js';

/**
 * The newest package format this driver implements: libedgetpu's runtime version 14
 * ("Grouper"). Packages declaring a higher minimum are refused.
 */
export const SUPPORTED_RUNTIME_VERSION = 14;

/**
 * Everything the host needs to run one edgetpu-custom-op: the executable that computes
 * the outputs and, when the compiler split the parameters out, the executable that loads
 * them into the device's cache.
 */
export interface EdgeTpuProgram {
  /** Custom op data format version (key "1"). */
  readonly formatVersion: number;
  /** Key "5", -1 when not set. */
  readonly executionPreference: number;
  /** Chip code per executable (key "6"); empty in the old format. */
  readonly chips: readonly number[];
  readonly package: EdgeTpuPackage;
  /** The executable run for every inference (EXECUTION_ONLY or STAND_ALONE). */
  readonly executable: Executable;
  /** Run once before `executable` when the device does not hold its parameters yet. */
  readonly parameterCaching: Executable | null;
  /** The key under which the device caches parameters; 0n: never cached. */
  readonly parameterCachingToken: bigint;
  /** Node input i ↔ inputs[i]. */
  readonly inputs: readonly Layer[];
  /** Node output i ↔ outputs[i]. */
  readonly outputs: readonly Layer[];
}

export interface ReadProgramOptions {
  /** Where the options came from (a model path), for error messages. */
  source?: string;
  /** Runtime version to accept packages up to (default SUPPORTED_RUNTIME_VERSION). */
  runtimeVersion?: number;
}

/**
 * Reads the custom options of an edgetpu-custom-op (FlexBuffer map → DWN1 package →
 * executables). Throws InvalidExecutableError for damaged or unsupported contents and
 * UnsupportedRuntimeVersionError for packages from a newer compiler.
 */
export function readEdgeTpuProgram(customOptions: Uint8Array, options: ReadProgramOptions = {}): EdgeTpuProgram {
  const where = options.source ? `${options.source}: ` : '';
  const supported = options.runtimeVersion ?? SUPPORTED_RUNTIME_VERSION;
  let declaredVersion = 0;
  try {
    const map = FlexRef.root(customOptions).asMap();
    const packageRef = map.get('4');
    if (!packageRef) throw new FlexBufferError('the options have no package (key "4")');
    const extra = map.get('7')?.asVector() ?? [];
    if (extra.length > 0) {
      throw new InvalidExecutableError(`${where}the Edge TPU op holds ${extra.length + 1} packages; this driver runs single-package ops only (recompile the model without co-compilation into one op)`);
    }
    const pkg = readPackage(packageRef.asBytes(), (v) => {
      declaredVersion = v;
      if (v > supported) throw new UnsupportedRuntimeVersionError(v, supported);
    });
    const { executable, parameterCaching } = pickExecutables(pkg.executables, where);
    return {
      formatVersion: map.get('1')?.asInt() ?? 0,
      executionPreference: map.get('5')?.asInt() ?? -1,
      chips: map.get('6')?.asVector().map((c) => c.asInt()) ?? [],
      package: pkg,
      executable,
      parameterCaching,
      parameterCachingToken: parameterCaching ? executable.parameterCachingToken : 0n,
      inputs: executable.inputLayers,
      outputs: executable.outputLayers,
    };
  } catch (e) {
    if (e instanceof FlexBufferError || e instanceof FlatbufferError || e instanceof RangeError) {
      if (declaredVersion > supported) throw new UnsupportedRuntimeVersionError(declaredVersion, supported);
      throw new InvalidExecutableError(
        `${where}the compiled Edge TPU program (edgetpu-custom-op options) is damaged: ${e.message}; download the model again or recompile it with edgetpu_compiler`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** The legal executable sets: one (run as is), {PC, EO}, or {PC, EO, SA} (the stand-alone wins). */
function pickExecutables(list: readonly Executable[], where: string): { executable: Executable; parameterCaching: Executable | null } {
  if (list.length === 1) return { executable: list[0]!, parameterCaching: null };
  const of = (type: Executable['type']) => list.filter((e) => e.type === type);
  const [pc, eo, sa] = [of('PARAMETER_CACHING'), of('EXECUTION_ONLY'), of('STAND_ALONE')];
  if (list.length === 2 && pc.length === 1 && eo.length === 1) return { executable: eo[0]!, parameterCaching: pc[0]! };
  if (list.length === 3 && pc.length === 1 && eo.length === 1 && sa.length === 1) return { executable: sa[0]!, parameterCaching: null };
  throw new InvalidExecutableError(
    `${where}the Edge TPU package holds an unexpected set of executables (${list.map((e) => e.type).join(', ')}); recompile the model with edgetpu_compiler`,
  );
}
