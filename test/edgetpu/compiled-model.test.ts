import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Model } from '../../src/tflite/index.js';
import {
  readEdgeTpuProgram,
  SUPPORTED_RUNTIME_VERSION,
  type DmaHint,
  type EdgeTpuProgram,
  type Executable,
  type Layer,
} from '../../src/edgetpu/compiled-model/index.js';
import { InvalidExecutableError, UnsupportedRuntimeVersionError } from '../../src/edgetpu/errors.js';
import { EdgeTpuLearnError } from '../../src/errors.js';
import { CORAL_TEST_DATA, coralModels, requireCoralData } from '../helpers/data.js';
import { prng } from '../helpers/prng.js';
import { TRACES, readJson } from './shared-data.js';
// The flatbuffers package's own FlexBuffer encoder: an independent writer for our reader's tests.
import * as flex from 'flatbuffers/mjs/flexbuffers.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The model description the trace recorder wrote (read from the model by its own reader). */
interface TraceModel {
  model: {
    file: { name: string };
    executables: {
      index: number;
      type: string;
      name: string;
      batch_size: number;
      scratch_size_bytes: number;
      parameter_caching_token: string;
      bitstreams: { length: number; sha256: string; field_offsets: { desc: string; batch: number; name: string; position: string; offset_bit: number }[] }[];
      parameters: { length: number; sha256: string } | null;
      fully_deterministic: boolean;
      hints: Record<string, string | number>[];
      input_layers: TraceLayer[];
      output_layers: TraceLayer[];
    }[];
  };
}
interface TraceLayer {
  name: string;
  size_bytes: number;
  y: number;
  x: number;
  z: number;
  data_type: string;
  execution_count_per_inference: number;
}

function hintAsTrace(h: DmaHint): Record<string, string | number> {
  switch (h.kind) {
    case 'instructions':
      return { hint: 'Instruction', direction: h.direction, instruction_chunk_index: h.chunk };
    case 'data':
      return { hint: 'DmaDescriptor', direction: h.direction, desc: `BASE_ADDRESS_${h.address}`, name: h.layer, batch: h.batch, offset_in_bytes: h.offsetBytes, size_in_bytes: h.sizeBytes };
    case 'interrupt':
      return { hint: 'Interrupt', direction: h.direction, type: h.interrupt };
    case 'fence':
      return { hint: 'Fence', direction: h.direction };
  }
}

const layerAsTrace = (l: Layer): TraceLayer => ({
  name: l.name,
  size_bytes: l.sizeBytes,
  y: l.y,
  x: l.x,
  z: l.z,
  data_type: l.dataType,
  execution_count_per_inference: l.executionCount,
});

function expectSameAsTrace(exe: Executable, t: TraceModel['model']['executables'][number]): void {
  expect(exe.type).to.equal(t.type);
  expect(exe.name).to.equal(t.name);
  expect(exe.batchSize).to.equal(t.batch_size);
  expect(exe.scratchSizeBytes).to.equal(t.scratch_size_bytes);
  expect('0x' + exe.parameterCachingToken.toString(16).padStart(16, '0')).to.equal(t.parameter_caching_token);
  expect(exe.bitstreams.map((b) => ({ length: b.bytes.length, sha256: sha256(b.bytes) }))).to.deep.equal(t.bitstreams.map((b) => ({ length: b.length, sha256: b.sha256 })));
  exe.bitstreams.forEach((b, i) => {
    expect(b.addressFields.map((f) => ({ desc: `BASE_ADDRESS_${f.address}`, batch: f.batch, name: f.layer, position: f.half, offset_bit: f.offsetBit }))).to.deep.equal(t.bitstreams[i]!.field_offsets);
  });
  if (t.parameters === null) expect(exe.parameters.length).to.equal(0);
  else expect({ length: exe.parameters.length, sha256: sha256(exe.parameters) }).to.deep.equal(t.parameters);
  expect(exe.fullyDeterministic).to.equal(t.fully_deterministic);
  expect(exe.hints.map(hintAsTrace)).to.deep.equal(t.hints.map((h) => (h.hint === 'Instruction' ? { hint: h.hint, direction: h.direction, instruction_chunk_index: h.instruction_chunk_index } : h)));
  expect(exe.inputLayers.map(layerAsTrace)).to.deep.equal(t.input_layers);
  expect(exe.outputLayers.map(layerAsTrace)).to.deep.equal(t.output_layers);
}

async function programOf(path: string): Promise<{ program: EdgeTpuProgram; options: Uint8Array }> {
  const model = await Model.load(path);
  const op = model.edgeTpuOperators()[0]!;
  return { program: readEdgeTpuProgram(op.customOptions, { source: basename(path) }), options: op.customOptions };
}

/** Byte position of field `slot` of the root table of a flatbuffer (for crafting bad packages). */
function rootFieldPosition(bytes: Uint8Array, slot: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const root = v.getUint32(0, true);
  const vtable = root - v.getInt32(root, true);
  const off = v.getUint16(vtable + 4 + 2 * slot, true);
  if (off === 0) throw new Error(`field ${slot} absent`);
  return root + off;
}

const EDGETPU_MODELS = coralModels().filter((m) => /_edgetpu\.tflite$/.test(m));

describe('edgetpu compiled model', function () {
  requireCoralData();

  it('finds the Coral _edgetpu models', function () {
    if (!existsSync(CORAL_TEST_DATA)) this.skip();
    expect(EDGETPU_MODELS.length).to.be.at.least(5);
  });

  for (const name of EDGETPU_MODELS) {
    describe(name, function () {
      let program: EdgeTpuProgram;
      before(async function () {
        ({ program } = await programOf(join(CORAL_TEST_DATA, name)));
      });

      it('is one parameter-caching and one execution-only executable sharing a token', function () {
        expect(program.package.identifier).to.equal('DWN1');
        expect(program.package.minRuntimeVersion).to.be.at.most(SUPPORTED_RUNTIME_VERSION);
        expect(program.executable.type).to.equal('EXECUTION_ONLY');
        expect(program.parameterCaching?.type).to.equal('PARAMETER_CACHING');
        expect(program.parameterCachingToken).to.not.equal(0n);
        expect(program.parameterCaching!.parameterCachingToken).to.equal(program.parameterCachingToken);
        expect(program.executable.chip).to.equal('beagle');
        expect(program.inputs).to.equal(program.executable.inputLayers);
      });

      it('matches what the trace recorder read from the same model', function () {
        const traceJson = join(TRACES, basename(name, '.tflite'), existsSync(join(TRACES, basename(name, '.tflite'), 'cold.trace.json')) ? 'cold.trace.json' : 'warm.trace.json');
        if (!existsSync(traceJson)) this.skip();
        const trace = readJson<TraceModel>(traceJson);
        expect(program.package.executables).to.have.length(trace.model.executables.length);
        program.package.executables.forEach((e, i) => expectSameAsTrace(e, trace.model.executables[i]!));
      });

      it('every bitstream starts with 0x80 0x0f and (bytes - 32) × 64 (the observed header)', function () {
        for (const e of program.package.executables) {
          for (const b of e.bitstreams) {
            expect(b.bytes.length % 16).to.equal(0);
            expect([b.bytes[0], b.bytes[1]]).to.deep.equal([0x80, 0x0f]);
            const v = new DataView(b.bytes.buffer, b.bytes.byteOffset + 2, 4).getUint32(0, true);
            expect(v).to.equal((b.bytes.length - 32) * 64);
          }
        }
      });
    });
  }

  describe('the facts the traces README lists', function () {
    const facts: Record<string, { eo: [number, number]; pc: [number, number]; input: number; output: number[] }> = {
      'mobilenet_v1_0.25_128_quant_edgetpu.tflite': { eo: [170032, 0], pc: [12624, 566912], input: 49152, output: [1008] },
      'mobilenet_v1_1.0_224_quant_embedding_extractor_edgetpu.tflite': { eo: [87584, 0], pc: [4688, 3363072], input: 150528, output: [1024] },
      'mobilenet_v2_1.0_224_quant_edgetpu.tflite': { eo: [129632, 0], pc: [9680, 3900864], input: 150528, output: [1008] },
      'movenet_single_pose_lightning_ptq_edgetpu.tflite': { eo: [133408, 2368], pc: [10032, 2862656], input: 110592, output: [9216, 46080, 46080, 82944, 82944] },
    };
    for (const [name, f] of Object.entries(facts)) {
      it(name, async function () {
        const path = join(CORAL_TEST_DATA, name);
        if (!existsSync(path)) this.skip();
        const { program } = await programOf(path);
        expect([program.executable.bitstreams[0]!.bytes.length, program.executable.parameters.length]).to.deep.equal(f.eo);
        expect([program.parameterCaching!.bitstreams[0]!.bytes.length, program.parameterCaching!.parameters.length]).to.deep.equal(f.pc);
        expect(program.inputs.map((l) => l.sizeBytes)).to.deep.equal([f.input]);
        expect(program.outputs.map((l) => l.sizeBytes)).to.deep.equal(f.output);
      });
    }
  });

  describe('damaged or unsupported programs', function () {
    let options: Uint8Array;
    let packageStart: number;
    let packageBytes: Uint8Array;
    before(async function () {
      const path = join(CORAL_TEST_DATA, 'mobilenet_v1_0.25_128_quant_edgetpu.tflite');
      if (!existsSync(path)) this.skip();
      const got = await programOf(path);
      options = Uint8Array.from(got.options);
      // The package blob: find it by its identifier inside the options.
      packageStart = Buffer.from(options).indexOf('DWN1') - 4;
      packageBytes = options.subarray(packageStart);
    });

    const expectInvalid = (bytes: Uint8Array, pattern: RegExp) => {
      const t0 = Date.now();
      expect(() => readEdgeTpuProgram(bytes, { source: 'm.tflite' })).to.throw(InvalidExecutableError, pattern);
      expect(Date.now() - t0).to.be.below(1000);
    };

    it('empty and truncated options', function () {
      expectInvalid(new Uint8Array(0), /^m\.tflite: .*damaged.*too short/);
      expectInvalid(options.subarray(0, 1000), /damaged/);
      expectInvalid(options.subarray(0, options.length - 100), /damaged/);
    });

    it('options that are not a map, or have no package', function () {
      const { encode } = flex;
      expectInvalid(encode([1, 2, 3]), /expected a map/);
      expectInvalid(encode({ '1': 0, '5': -1 }), /no package/);
      expectInvalid(encode({ '4': new DataView(new Uint8Array(16).buffer) }), /damaged/);
    });

    it('a package from a newer compiler → UnsupportedRuntimeVersionError', function () {
      const bad = Uint8Array.from(options);
      const pos = packageStart + rootFieldPosition(packageBytes, 0);
      new DataView(bad.buffer).setInt32(pos, SUPPORTED_RUNTIME_VERSION + 1, true);
      let err: unknown;
      try {
        readEdgeTpuProgram(bad);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UnsupportedRuntimeVersionError);
      expect((err as UnsupportedRuntimeVersionError).required).to.equal(SUPPORTED_RUNTIME_VERSION + 1);
      expect((err as Error).message).to.match(/newer|needs Edge TPU runtime version 15.*implements version 14/);
      // ...even when the rest of the newer package cannot be read.
      bad.fill(0xee, pos + 64, pos + 4096);
      expect(() => readEdgeTpuProgram(bad)).to.throw(UnsupportedRuntimeVersionError);
      // A caller that implements the newer version can read it.
      const newer = Uint8Array.from(options);
      new DataView(newer.buffer).setInt32(pos, SUPPORTED_RUNTIME_VERSION + 1, true);
      expect(readEdgeTpuProgram(newer, { runtimeVersion: SUPPORTED_RUNTIME_VERSION + 1 }).package.minRuntimeVersion).to.equal(SUPPORTED_RUNTIME_VERSION + 1);
    });

    it('random damage gives a typed error or a program, quickly, never a crash', function () {
      const rand = prng(6);
      for (let trial = 0; trial < 300; trial++) {
        const bad = Uint8Array.from(options.subarray(0, Math.min(options.length, 200_000)));
        const full = Uint8Array.from(options);
        const target = trial % 2 === 0 ? full : bad;
        for (let k = 0; k < 1 + (trial % 8); k++) {
          // Damage the tables (first ~4 KiB of the package and the executables' heads), not the bulk of the weights.
          const region = rand() < 0.5 ? packageStart + Math.floor(rand() * 4200) : Math.floor(rand() * target.length);
          if (region < target.length) target[region] = Math.floor(rand() * 256);
        }
        const t0 = Date.now();
        try {
          readEdgeTpuProgram(target);
        } catch (e) {
          expect(e, String(e)).to.be.instanceOf(EdgeTpuLearnError);
        }
        expect(Date.now() - t0).to.be.below(500);
      }
    });
  });
});
