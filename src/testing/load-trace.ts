import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Model } from '../tflite/index.js';
import { readEdgeTpuProgram, type EdgeTpuProgram } from '../edgetpu/compiled-model/index.js';
import { UNORDERED_KINDS, type BulkOutRecord, type TraceDocument, type TraceRecord } from './trace-format.js';

/** A trace ready to replay: the document, its ordered records and what each bulk-out must carry. */
export interface LoadedTrace {
  /** 'model-folder/scenario', for messages. */
  readonly name: string;
  readonly doc: TraceDocument;
  /** The records a driver must reproduce in order (read bookkeeping and marks removed). */
  readonly ordered: readonly TraceRecord[];
  readonly program: EdgeTpuProgram;
  /** Side files by name: S.in<k>.bin, S.out<k>.bin, S.result<k>.bin. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The bytes a bulk_out record must carry, and which of them to ignore (patched address fields). */
  expectedBulkOut(record: BulkOutRecord): { bytes: Uint8Array; ignore: Uint8Array | null };
}

export interface LoadTraceOptions {
  /** The compiled model the trace was recorded with (its bytes or its path). */
  model: Uint8Array | string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * Reads `<dir>/<scenario>.trace.json` and its side files, checks that `model` is the model
 * it was recorded with, and rebuilds every bulk-out payload from the model and the input
 * files, checking each against the hash the trace stores (so that a replay compares real
 * bytes, not a guess).
 */
export async function loadTrace(dir: string, scenario: string, options: LoadTraceOptions): Promise<LoadedTrace> {
  const doc = JSON.parse(await readFile(join(dir, `${scenario}.trace.json`), 'utf8')) as TraceDocument;
  const name = `${dir.split(/[\\/]/).filter(Boolean).pop()}/${scenario}`;
  if (doc.format !== 'edgetpu-usb-trace' || doc.format_version !== 1) {
    throw new Error(`${name}: not an edgetpu-usb-trace version 1 (format ${doc.format}, version ${doc.format_version})`);
  }
  const modelBytes = typeof options.model === 'string' ? new Uint8Array(await readFile(options.model)) : options.model;
  if (sha256(modelBytes) !== doc.model.file.sha256) {
    throw new Error(`${name}: the model given is not ${doc.model.file.name} the trace was recorded with (sha256 differs)`);
  }
  const op = Model.fromBuffer(modelBytes).edgeTpuOperators()[0];
  if (!op) throw new Error(`${name}: the model has no edgetpu-custom-op`);
  const program = readEdgeTpuProgram(op.customOptions);
  doc.model.executables.forEach((e, i) => {
    const ours = program.package.executables[i];
    const same = ours && e.bitstreams.every((b, j) => ours.bitstreams[j] && sha256(ours.bitstreams[j]!.bytes) === b.sha256);
    if (!same) throw new Error(`${name}: executable ${i} of the model does not match the trace's`);
  });

  const files = new Map<string, Uint8Array>();
  for (const f of [...doc.inputs.map((i) => i.file), ...doc.outputs.flatMap((o) => [o.file, o.result_file])]) {
    files.set(f, new Uint8Array(await readFile(join(dir, f))));
  }

  const ordered = doc.records.filter((r) => !UNORDERED_KINDS.has(r.kind));
  const cache = new Map<BulkOutRecord, { bytes: Uint8Array; ignore: Uint8Array | null }>();
  const expectedBulkOut = (r: BulkOutRecord) => {
    let e = cache.get(r);
    if (!e) cache.set(r, (e = rebuildBulkOut(r, program, files, name)));
    return e;
  };
  for (const r of ordered) if (r.kind === 'bulk_out') expectedBulkOut(r);
  return { name, doc, ordered, program, files, expectedBulkOut };
}

function rebuildBulkOut(r: BulkOutRecord, program: EdgeTpuProgram, files: ReadonlyMap<string, Uint8Array>, name: string): { bytes: Uint8Array; ignore: Uint8Array | null } {
  const where = `${name} seq ${r.seq}`;
  let bytes: Uint8Array;
  if (r.data !== undefined) {
    bytes = hexBytes(r.data);
  } else {
    bytes = new Uint8Array(r.length);
    for (const s of r.segments) {
      if (s.type === 'header') {
        if (s.length !== 8) throw new Error(`${where}: a header split over transfers is not supported`);
        new DataView(bytes.buffer).setUint32(s.offset, s.payload_length, true);
        bytes[s.offset + 4] = s.tag & 0x0f;
        continue;
      }
      const src = s.source;
      let from: Uint8Array | undefined;
      let start: number;
      if (!src) throw new Error(`${where}: payload segment without a source`);
      if ('bitstream' in src) {
        from = program.package.executables[src.executable]?.bitstreams[src.bitstream]?.bytes;
        start = src.offset;
      } else if ('parameters_offset' in src) {
        from = program.package.executables[src.executable]?.parameters;
        start = src.parameters_offset;
      } else {
        from = files.get(src.input_file);
        start = src.offset;
      }
      if (!from || start + s.length > from.length) throw new Error(`${where}: segment source ${JSON.stringify(src)} is not in the model or side files`);
      bytes.set(from.subarray(start, start + s.length), s.offset);
    }
  }
  let ignore: Uint8Array | null = null;
  if (r.patch_ranges && r.patch_ranges.length > 0) {
    ignore = new Uint8Array(r.length);
    for (const p of r.patch_ranges) ignore.fill(1, p.start, p.end);
  }
  // Check the rebuilt bytes against the trace's own hashes.
  const masked = ignore ? bytes.map((b, i) => (ignore![i] ? 0 : b)) : bytes;
  const want = ignore ? r.data_sha256_masked : r.data === undefined ? r.data_sha256 : undefined;
  if (want !== undefined && sha256(masked) !== want) throw new Error(`${where}: the bytes rebuilt from the model do not match the trace's hash`);
  return { bytes, ignore };
}
