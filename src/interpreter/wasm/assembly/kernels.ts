// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs), not part of the TypeScript program.
// Entry point of the WebAssembly kernels: everything exported here is what wasm/module.ts calls.
// gemmN / depthwiseN: the variant for flags value N (see the FLAG_ constants in gemm.ts).
export { gemm0, gemm1, gemm2, gemm3, gemm4, gemm5, gemm6, gemm7, gemm8, gemm9, gemm10, gemm11 } from './gemm';
export { depthwise0, depthwise1, depthwise2, depthwise3, depthwise4, depthwise5, depthwise6, depthwise7, depthwise8, depthwise9, depthwise10, depthwise11 } from './depthwise';
export { widenRows, padWiden, im2col } from './layout';
export { addQuantized } from './add';

// The calling convention of the exports above (arguments, weight layout in memory). wasm/module.ts
// refuses a kernels.wasm whose number differs from its own WASM_ABI_VERSION, so that a stale
// build cannot compute wrong bytes: bump both together whenever either side changes.
export function abiVersion(): i32 {
  return 3;
}
