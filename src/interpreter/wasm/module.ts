/**
 * Loads the WebAssembly SIMD kernels (kernels.wasm, built from ./assembly by
 * scripts/build-wasm.mjs) once per thread, and decides whether kernels use them.
 *
 * They are used when the file is there, the engine runs WebAssembly SIMD, and neither
 * EDGETPU_LEARN_WASM=0 nor setWasmKernelsEnabled(false) turned them off. Otherwise the
 * TypeScript kernels run, with identical results, only slower.
 */
import { readFileSync } from 'node:fs';
import { WasmHeap, type WasmMemory } from './heap.js';
import { Scratch } from './scratch.js';

/**
 * A GEMM variant (assembly/gemm.ts); pointers are byte offsets into the kernels' memory; w holds
 * int8 weights and zeroCorrection is what turns them into (w − zero point) (see weight-packing.ts).
 */
export type GemmFunction = (a: number, lda: number, rows: number, w: number, kPairs: number, n: number, table: number, tableStride: number,
  multiplier: number, rightShift: number, out: number, ldo: number, zpOut: number, lo: number, hi: number, zeroCorrection: number) => void;

/** A depthwise variant (assembly/depthwise.ts). */
export type DepthwiseFunction = (inp: number, rowStride: number, w: number, taps: number, pairs: number, table: number, tableStride: number,
  multiplier: number, rightShift: number, out: number, outH: number, outW: number, c: number, cp: number,
  strideH: number, strideW: number, zpOut: number, lo: number, hi: number) => void;

/** The functions kernels.wasm exports (see assembly/kernels.ts). gemmN and depthwiseN are the variants for flags N. */
export interface KernelExports {
  readonly [variant: `gemm${number}`]: GemmFunction;
  readonly [variant: `depthwise${number}`]: DepthwiseFunction;
  abiVersion(): number;
  widenRows(src: number, rows: number, k: number, zeroPoint: number, signed: number, dst: number, kp: number): void;
  padWiden(src: number, h: number, w: number, c: number, dm: number, zeroPoint: number, signed: number,
    dst: number, padT: number, padL: number, y0: number, rows: number, wp: number, cp: number): void;
  im2col(padded: number, rowStride: number, c: number, kh: number, kw: number, strideH: number, strideW: number,
    dilationH: number, dilationW: number, outH: number, outW: number, dst: number, rowBytes: number): void;
  addQuantized(a: number, b: number, out: number, rows: number, inner: number, aOffsets: number, bOffsets: number, aStep: number, bStep: number,
    scaledA: number, scaledB: number, mOut: number, sOut: number, zpOut: number, lo: number, hi: number): void;
}

/**
 * The calling convention this glue speaks (assembly/kernels.ts abiVersion()): a kernels.wasm
 * built from other sources (a stale build) is refused, and the TypeScript kernels run instead.
 */
export const WASM_ABI_VERSION = 3;

/** Bits of a kernel variant's number (assembly/gemm.ts). */
export const FLAG_SIGNED_OUTPUT = 1;
export const FLAG_ROUND_AWAY = 2;
export const FLAG_PER_TENSOR = 4;
export const FLAG_LEFT_SHIFT = 8;

/** One thread's instance of the kernels: its exports, the allocator over its memory, the shared scratch buffers. */
export interface WasmKernels {
  readonly exports: KernelExports;
  readonly heap: WasmHeap;
  readonly scratch: Scratch;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** 64 KiB pages: the memory starts at 1 MiB and may grow to the 4 GiB a 32-bit address reaches. */
const INITIAL_PAGES = 16;
const MAXIMUM_PAGES = 65536;

const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
const WASM_FILE = new URL('./kernels.wasm', import.meta.url);

let enabled = process.env['EDGETPU_LEARN_WASM'] !== '0';
let loaded: WasmKernels | undefined;
let loadError: string | undefined;
let prepared = 0;

function load(): WasmKernels | undefined {
  if (loaded || loadError !== undefined) return loaded;
  try {
    if (!webAssembly) throw new Error('this JavaScript engine has no WebAssembly');
    const bytes = readFileSync(WASM_FILE);
    // validate() is false when the engine lacks an instruction the module uses (SIMD).
    if (!webAssembly.validate(bytes)) throw new Error('this engine cannot run the WebAssembly SIMD kernels');
    // Shared, so that growing it never detaches the views tensors hold (see WasmHeap).
    const memory = new webAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const instance = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
    const exports = instance.exports as unknown as KernelExports;
    const abi = typeof exports.abiVersion === 'function' ? exports.abiVersion() : 1;
    if (abi !== WASM_ABI_VERSION) {
      throw new Error(`${WASM_FILE.pathname} speaks calling convention ${abi}, this code ${WASM_ABI_VERSION}: it is a stale build (npm run build rebuilds it)`);
    }
    const heap = new WasmHeap(memory);
    loaded = { exports, heap, scratch: new Scratch(heap) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    loadError = err.code === 'ENOENT' ? `${WASM_FILE.pathname} is missing (npm run build:wasm builds it)` : err.message;
    // Results stay the same on the TypeScript kernels, only slower: say so once, do not fail.
    process.emitWarning(`WebAssembly SIMD kernels unavailable, using the slower TypeScript kernels: ${loadError}`, { code: 'EDGETPU_LEARN_WASM' });
  }
  return loaded;
}

/** The kernels for this thread, or null when they are off or cannot load (callers then use their TypeScript path). */
export function wasmKernels(): WasmKernels | null {
  return enabled ? (load() ?? null) : null;
}

/**
 * Turns the WebAssembly kernels on or off for interpreters created from now on (prepared
 * kernels keep what they chose). Results are identical either way; tests use this to compare
 * the two paths.
 */
export function setWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Called by each operator prepared on the WebAssembly kernels (for wasmKernelsStatus). */
export function countWasmKernel(): void {
  prepared++;
}

/**
 * Whether interpreters created now get the WebAssembly kernels (and why not), and how many
 * operators this thread has prepared on them so far.
 */
export function wasmKernelsStatus(): { enabled: boolean; available: boolean; reason?: string; preparedKernels: number } {
  const available = load() !== undefined;
  return { enabled, available, ...(loadError !== undefined ? { reason: loadError } : {}), preparedKernels: prepared };
}
