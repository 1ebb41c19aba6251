import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EdgeTpuLearnError } from '../../errors.js';
import { Interpreter, type TensorDetails } from '../../interpreter/index.js';
import { registerEdgeTpu } from '../../edgetpu/index.js';
import { loadTrace, TraceReplayDevice } from '../../testing/index.js';
import { basename, dirname } from 'node:path';
import { bytesPerElement } from '../../tflite/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn run MODEL --input raw.bin [--input raw2.bin ...] --output out.bin
                         [--device D] [--firmware F] [--bench N] [--json]

Runs a model on raw input bytes and writes the raw output bytes.

  --input FILE   one inference: all of the model's inputs back to back, in input order,
                 as the model wants them (e.g. uint8 pixels); repeat for more inferences
  --output FILE  the outputs of every inference, back to back (all outputs of the first
                 inference in output order, then the second...)
  --device D     cpu (default); usb or usb:N for a Coral USB Accelerator; replay:S.trace.json
                 replays a recorded USB trace (see edgetpu-learn/testing) instead of a device
  --firmware F   the Edge TPU firmware file (apex_latest_single_ep.bin) for a device in
                 bootloader mode; default: $EDGETPU_FIRMWARE, the cache, then a pinned download
  --bench N      time N runs of the first input after 3 warm-up runs and print latency
  --json         with --bench: print one JSON line (median_ms, min_ms, max_ms, mean_ms, runs)

Example:
  edgetpu-learn run mobilenet_v1_0.25_128_quant.tflite --input cat.bin --output probs.bin --bench 20`;

/** Bad bytes on the command line's input files: a user error (exit 1). */
class RunInputError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('RUN_INPUT', message);
  }
}

/** A replay trace that cannot be used with this model, or traffic that left the trace. */
class ReplayError extends EdgeTpuLearnError {
  constructor(message: string, cause?: unknown) {
    super('REPLAY', message, { cause });
  }
}

let replays = 0;

/**
 * `replay:DIR/S.trace.json`: registers a TraceReplayDevice for that trace under a fresh
 * device name and returns the name and the device (to check the replay went to the end).
 */
async function replayDevice(spec: string, model: string, firmware: string | undefined): Promise<{ name: string; fake: TraceReplayDevice }> {
  const file = spec.slice('replay:'.length);
  if (!file.endsWith('.trace.json')) throw new UsageError(`--device replay: takes a trace file named S.trace.json, not '${file}'`);
  let trace;
  try {
    trace = await loadTrace(dirname(file), basename(file, '.trace.json'), { model });
  } catch (e) {
    throw new ReplayError(`${file}: ${(e as Error).message}`, e);
  }
  const fake = new TraceReplayDevice(trace);
  const name = `replay-${++replays}`;
  registerEdgeTpu(name, { transport: fake, resetDelayMs: 0, ...(firmware === undefined ? {} : { firmware }) });
  return { name, fake };
}

/** Bytes one tensor takes in the raw input and output files. */
function byteLength(t: TensorDetails): number {
  return t.shape.reduce((a, d) => a * d, 1) * (bytesPerElement(t.dtype) ?? 1);
}

function stats(times: number[]): { median_ms: number; min_ms: number; max_ms: number; mean_ms: number; runs: number } {
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { median_ms: r(median), min_ms: r(s[0]!), max_ms: r(s.at(-1)!), mean_ms: r(s.reduce((a, b) => a + b, 0) / s.length), runs: s.length };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a model on raw input bytes, write raw output bytes; --bench times it',
  help: HELP,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { input: { type: 'string', multiple: true }, output: { type: 'string' }, device: { type: 'string', default: 'cpu' }, firmware: { type: 'string' }, bench: { type: 'string' }, json: { type: 'boolean' } },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('run takes exactly one model file');
    const inputs = values.input ?? [];
    if (inputs.length === 0) throw new UsageError('run needs at least one --input file');
    const bench = values.bench === undefined ? 0 : Number(values.bench);
    if (!Number.isInteger(bench) || bench < 0) throw new UsageError(`--bench takes a whole number of runs, not '${values.bench}'`);
    if (values.output === undefined && bench === 0) throw new UsageError('run needs --output (or --bench to only time it)');

    const replay = values.device.startsWith('replay:') ? await replayDevice(values.device, positionals[0]!, values.firmware) : null;
    const interpreter = await Interpreter.create(positionals[0]!, { device: replay?.name ?? values.device });
    try {
      const sizes = interpreter.inputs.map(byteLength);
      const total = sizes.reduce((a, b) => a + b, 0);
      const split = async (file: string): Promise<Uint8Array[]> => {
        const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
          throw new RunInputError(`${file}: cannot read the input: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        });
        if (bytes.length !== total) {
          const want = interpreter.inputs.map((t) => `${t.name} ${t.dtype}[${t.shape.join(',')}] = ${byteLength(t)} bytes`).join(' + ');
          throw new RunInputError(`${file}: has ${bytes.length} bytes, but the model's inputs take ${total} (${want})`);
        }
        let at = 0;
        return sizes.map((n) => bytes.subarray(at, (at += n)));
      };
      const outputs: Uint8Array[] = [];
      const first = await split(inputs[0]!);
      for (const file of inputs) {
        const result = await interpreter.run(file === inputs[0] ? first : await split(file));
        for (const o of result) outputs.push(Uint8Array.from(new Uint8Array(o.buffer, o.byteOffset, o.byteLength)));
      }
      if (values.output !== undefined) await writeFileAtomic(values.output, Buffer.concat(outputs));
      if (bench > 0) {
        for (let i = 0; i < 3; i++) await interpreter.run(first);
        const times: number[] = [];
        for (let i = 0; i < bench; i++) {
          const t0 = performance.now();
          await interpreter.run(first);
          times.push(performance.now() - t0);
        }
        const s = stats(times);
        io.stdout.write(
          values.json
            ? JSON.stringify({ model: positionals[0], device: values.device, ...s }) + '\n'
            : `${positionals[0]} on ${values.device}: median ${s.median_ms} ms, min ${s.min_ms} ms, max ${s.max_ms} ms, mean ${s.mean_ms} ms over ${s.runs} runs\n`,
        );
      }
      return 0;
    } catch (e) {
      // Traffic that left the trace: say where, in one line.
      if (replay?.fake.divergence) throw new ReplayError(replay.fake.divergence.message, e);
      throw e;
    } finally {
      await interpreter.close();
    }
  },
};
