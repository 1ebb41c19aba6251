import { join } from 'node:path';
import { Model } from '../../src/tflite/index.js';
import { EdgeTpuDevice, readEdgeTpuProgram, type EdgeTpuOptions, type EdgeTpuProgram } from '../../src/edgetpu/index.js';
import { loadTrace, TraceReplayDevice, type LoadedTrace } from '../../src/testing/index.js';
import { FIRMWARE, inputA, inputB, readJson, sharedFile, traceModelPath, type TraceCase } from './shared-data.js';

export interface Replay {
  trace: LoadedTrace;
  fake: TraceReplayDevice;
  /** The program as the driver's own reader gets it from the model file. */
  program: EdgeTpuProgram;
  options: EdgeTpuOptions;
  /** Input A and input B, as the op's input tensor bytes. */
  inputs: [Uint8Array, Uint8Array];
  /** S.result0.bin and S.result1.bin. */
  results: [Uint8Array, Uint8Array];
}

/** Loads a trace and builds the replaying device, the program and the inputs for it. */
export async function setUpReplay(ctx: Mocha.Context, c: TraceCase, options: EdgeTpuOptions = {}): Promise<Replay> {
  const modelPath = traceModelPath(ctx, readJson<{ model: { file: { name: string } } }>(join(c.dir, `${c.scenario}.trace.json`)));
  const firmware = sharedFile(ctx, FIRMWARE);
  const trace = await loadTrace(c.dir, c.scenario, { model: modelPath });
  const fake = new TraceReplayDevice(trace);
  const program = readEdgeTpuProgram((await Model.load(modelPath)).edgeTpuOperators()[0]!.customOptions);
  const input = program.inputs[0]!;
  const bytes = input.y * input.x * input.z * input.elementSize;
  const file = (k: number) => trace.files.get(`${c.scenario}.result${k}.bin`)!;
  return {
    trace,
    fake,
    program,
    options: { transport: fake, firmware, resetDelayMs: 0, ...options },
    inputs: [inputA(bytes), inputB(bytes)],
    results: [file(0), file(1)],
  };
}

/** All outputs of one inference back to back, as S.result<k>.bin stores them. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

export async function openOn(r: Replay, options: EdgeTpuOptions = {}): Promise<EdgeTpuDevice> {
  return EdgeTpuDevice.open({ ...r.options, ...options });
}
