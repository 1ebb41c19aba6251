#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled build (npm ci runs `prepare`, which builds it).
import { main } from '../dist/cli/main.js';

// Output piped into a program that stops reading (`edgetpu-learn models list | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
