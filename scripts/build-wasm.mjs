#!/usr/bin/env node
// Builds the WebAssembly SIMD kernels: src/interpreter/wasm/assembly/*.ts (AssemblyScript) →
// src/interpreter/wasm/kernels.wasm (what the sources load when run through tsx) and
// dist/interpreter/wasm/kernels.wasm (what the compiled package loads). Run by `npm run build`
// (and so by `npm install` / `npm ci` through `prepare`); needs the assemblyscript devDependency.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/interpreter/wasm/assembly/kernels.ts');
const target = join(root, 'src/interpreter/wasm/kernels.wasm');
const distTarget = join(root, 'dist/interpreter/wasm/kernels.wasm');

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch {
  console.error('build-wasm: the assemblyscript package is missing (npm install brings it: it is a devDependency)');
  process.exit(1);
}

const { error, stderr } = await asc.main([
  entry,
  '--outFile', target,
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--runtime', 'stub', // no garbage collector: the kernels only read and write memory the JS side manages
  '--noAssert',
  // The memory comes from JS (wasm/module.ts) and is shared, so that growing it never detaches views of it.
  '--importMemory',
  '--sharedMemory',
  '--initialMemory', '16',
  '--maximumMemory', '65536',
  '--enable', 'simd,threads',
]);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}
mkdirSync(dirname(distTarget), { recursive: true });
copyFileSync(target, distTarget);
console.log(`build-wasm: ${target.slice(root.length + 1)} and ${distTarget.slice(root.length + 1)}`);
