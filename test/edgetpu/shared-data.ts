import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORAL_TEST_DATA, SHARED, missing } from '../helpers/data.js';
import { patternBytes } from '../helpers/tflite-oracle.js';

/** The golden USB traces of the vendor runtime (../shared/edgetpu-traces), never committed. */
export const TRACES = join(SHARED, 'edgetpu-traces');
/** The Edge TPU firmware image (../shared/edgetpu-firmware), never committed. */
export const FIRMWARE = join(SHARED, 'edgetpu-firmware', 'apex_latest_single_ep.bin');

export interface TraceCase {
  /** Folder name = model file name without .tflite. */
  model: string;
  scenario: 'cold' | 'warm' | 'warm-usb2';
  dir: string;
}

/** Every recorded scenario, sorted; empty when the traces are absent (see requireTraces). */
export function traceCases(): TraceCase[] {
  if (!existsSync(TRACES)) return [];
  const out: TraceCase[] = [];
  for (const model of readdirSync(TRACES).sort()) {
    const dir = join(TRACES, model);
    if (!existsSync(join(dir, 'cold.trace.json')) && !existsSync(join(dir, 'warm.trace.json'))) continue;
    for (const scenario of ['cold', 'warm', 'warm-usb2'] as const) {
      if (existsSync(join(dir, `${scenario}.trace.json`))) out.push({ model, scenario, dir });
    }
  }
  return out;
}

/** A test that fails under CI (skips locally) when the traces or the firmware are missing. */
export function requireTraces(): void {
  it('has the Edge TPU traces and firmware', function () {
    for (const p of [TRACES, FIRMWARE]) if (!existsSync(p)) missing(this, p);
  });
}

/** The path of a file that must exist (skips locally / fails under CI when absent). */
export function sharedFile(ctx: Mocha.Context, path: string): string {
  if (!existsSync(path)) missing(ctx, path);
  return path;
}

/** Where a trace's model lives in the Coral test data (the feature-layers model is under tools/). */
export function traceModelPath(ctx: Mocha.Context, traceJson: { model: { file: { name: string } } }): string {
  const name = traceJson.model.file.name;
  for (const p of [join(CORAL_TEST_DATA, name), join(CORAL_TEST_DATA, 'tools', name)]) if (existsSync(p)) return p;
  missing(ctx, join(CORAL_TEST_DATA, name));
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The trace inputs: A = byte i is (i*7+3) mod 256, B = every byte 128. */
export function inputA(bytes: number): Uint8Array {
  return patternBytes(bytes);
}
export function inputB(bytes: number): Uint8Array {
  return new Uint8Array(bytes).fill(128);
}
