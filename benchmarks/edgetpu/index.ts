/**
 * Edge TPU latency on a real Coral USB Accelerator, next to our CPU interpreter on the CPU
 * variant of the same model. Run: npx tsx benchmarks/edgetpu/index.ts [RUNS]
 * With no accelerator plugged in it says so and measures nothing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listEdgeTpus } from '../../src/edgetpu/index.js';
import { Interpreter } from '../../src/interpreter/index.js';

const DATA = resolve(process.env.CORAL_TEST_DATA ?? '../shared/coral-test-data');
const RUNS = Number(process.argv[2] ?? 50);
const MODELS = ['mobilenet_v1_1.0_224_quant_embedding_extractor', 'mobilenet_v1_0.25_128_quant', 'mobilenet_v2_1.0_224_quant'];

async function median(interpreter: Interpreter): Promise<number> {
  const inputs = interpreter.inputs.map((t) => new Uint8Array(t.shape.reduce((a, d) => a * d, 1)).fill(128));
  for (let i = 0; i < 5; i++) await interpreter.run(inputs); // the first run also caches parameters on the device
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await interpreter.run(inputs);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

const devices = await listEdgeTpus();
if (devices.length === 0) {
  console.log('No Coral USB Accelerator is plugged in: nothing to measure (this benchmark needs the hardware).');
  process.exit(0);
}
console.log(`Edge TPU: ${devices[0]!.path} (${devices[0]!.state}, ${devices[0]!.speed} speed); ${RUNS} runs after 5 warm-up runs, median ms`);
console.log('model'.padEnd(52), 'edgetpu'.padStart(9), 'cpu (ours)'.padStart(11), 'cpu/edgetpu'.padStart(12));
for (const name of MODELS) {
  const tpuPath = join(DATA, `${name}_edgetpu.tflite`);
  const cpuPath = join(DATA, `${name}.tflite`);
  if (!existsSync(tpuPath) || !existsSync(cpuPath)) continue;
  const tpu = await Interpreter.create(tpuPath, { device: 'usb' });
  const tpuMs = await median(tpu);
  await tpu.close();
  const cpu = await Interpreter.create(cpuPath);
  const cpuMs = await median(cpu);
  await cpu.close();
  console.log(name.padEnd(52), tpuMs.toFixed(2).padStart(9), cpuMs.toFixed(2).padStart(11), (cpuMs / tpuMs).toFixed(1).padStart(11) + 'x');
}
