import { FlatBuffer, FlatbufferError } from './flat-table.js';
import { readExecutable, type Executable } from './executable.js';

/** What the Edge TPU compiler stores in the custom op: a "DWN1" package of executables. */
export interface EdgeTpuPackage {
  /** The oldest runtime version that can run the package. */
  readonly minRuntimeVersion: number;
  readonly compilerVersion: string;
  readonly keypairVersion: number;
  /** 0 for single-chip packages, -1 for multi-chip packages. */
  readonly virtualChipId: number;
  readonly modelIdentifier: string;
  readonly signature: Uint8Array;
  readonly identifier: string;
  readonly executables: readonly Executable[];
}

/**
 * Reads a package. When the rest cannot be read, `onVersion` still sees the declared
 * runtime version first, so that a package from a newer compiler is reported as such
 * rather than as damage.
 */
export function readPackage(bytes: Uint8Array, onVersion: (minRuntimeVersion: number) => void): EdgeTpuPackage {
  const buf = new FlatBuffer(bytes);
  const root = buf.root();
  // Package slots: 0 min_runtime_version, 1 serialized_multi_executable, 2 signature,
  // 3 keypair_version, 4 compiler_version, 5 virtual_chip_id, 6 multi_chip_package, 7 model_identifier.
  const minRuntimeVersion = root.int(0);
  onVersion(minRuntimeVersion);
  const multi = root.bytes(1);
  if (!multi || multi.length === 0) throw new FlatbufferError('the package holds no executables');
  // MultiExecutable: 0 serialized_executables:[string], each an Executable flatbuffer.
  const serialized = new FlatBuffer(multi).root().byteStrings(0);
  if (serialized.length === 0) throw new FlatbufferError('the package holds no executables');
  return {
    minRuntimeVersion,
    compilerVersion: root.string(4) ?? '',
    keypairVersion: root.int(3),
    virtualChipId: root.int(5, 0),
    modelIdentifier: root.string(7) ?? '',
    signature: root.bytes(2) ?? new Uint8Array(0),
    identifier: buf.identifier(),
    executables: serialized.map((b, i) => {
      try {
        return readExecutable(b, i);
      } catch (e) {
        if (e instanceof FlatbufferError) throw new FlatbufferError(`executable ${i}: ${e.message}`);
        throw e;
      }
    }),
  };
}
