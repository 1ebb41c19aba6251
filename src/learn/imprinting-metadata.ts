/**
 * Where imprinting keeps its training state inside the exported .tflite:
 *  - the model description, exactly as pycoral/libcoral write it: one "id norm" line per
 *    imprinted class ("%d %f\n"), the norm being ‖Σ embeddings‖, from which the running
 *    sum can be rebuilt (norm × the stored unit row). Any model imprinted by pycoral can
 *    be resumed here, and any model imprinted here by pycoral.
 *  - a metadata entry of our own (`edgetpu_learn.imprinting`, JSON) with the number of
 *    samples of each class, which the description cannot hold, so that the per-class
 *    sample limit survives a save and a resume. pycoral keeps unknown metadata entries
 *    but does not update them, so each count is stored with the norm it belongs to: a
 *    class retrained elsewhere shows a different norm and its count is then estimated.
 */

/** Name of our metadata entry in the .tflite. */
export const IMPRINTING_METADATA_NAME = 'edgetpu_learn.imprinting';
const FORMAT = 'edgetpu-learn.imprinting';

/**
 * libcoral's ParseTrainingMetadata: split on spaces and newlines, read (int, float)
 * pairs; if any pair does not parse, the whole map is empty (a converter's description
 * such as "MLIR Converted." thus means: no imprinted classes).
 */
export function parseTrainingMetadata(description: string): Map<number, number> {
  const out = new Map<number, number>();
  if (description === '') return out;
  const tokens = description.split(/[ \n]/);
  // The last token is skipped unless paired (libcoral loops while i < size - 1).
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const id = parseInt32(tokens[i]!);
    const norm = parseFloat32(tokens[i + 1]!);
    if (id === undefined || norm === undefined) return new Map();
    if (!out.has(id)) out.set(id, norm);
  }
  return out;
}

/** libcoral's SerializeTrainingMetadata: "%d %f\n" per class, ascending ids. */
export function formatTrainingMetadata(metadata: ReadonlyMap<number, number>): string {
  return [...metadata.keys()]
    .sort((a, b) => a - b)
    .map((id) => `${id} ${formatFixed6(metadata.get(id)!)}\n`)
    .join('');
}

/**
 * printf("%f", x): six decimals, ties to even (glibc rounds the exact binary value, and a
 * float32 sits exactly halfway only when x·128 is an odd integer, e.g. 0.0078125).
 */
export function formatFixed6(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const k = x * 128;
  if (Number.isInteger(k) && Math.abs(k % 2) === 1) {
    const scaled = Math.abs(x) * 1e6; // exact: |x|·10^6 = odd·7812.5
    let n = Math.floor(scaled);
    if (n % 2 === 1) n += 1;
    const s = (n / 1e6).toFixed(6);
    return x < 0 ? `-${s}` : s;
  }
  return x.toFixed(6);
}

function parseInt32(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : undefined;
}

function parseFloat32(s: string): number | undefined {
  if (/^[+-]?(inf|infinity|nan)$/i.test(s)) return Math.fround(Number(s.replace(/inf(inity)?/i, 'Infinity').replace(/nan/i, 'NaN')));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return undefined;
  return Math.fround(Number(s));
}

/** Our metadata entry. */
export interface ImprintingRecord {
  format: typeof FORMAT;
  version: 1;
  embeddingDim: number;
  maxSamplesPerClass: number | null;
  /** Per imprinted class: samples seen, and the description's norm text they belong to. */
  classes: Record<string, { samples: number; norm: string }>;
}

export function encodeImprintingRecord(record: Omit<ImprintingRecord, 'format' | 'version'>): Uint8Array {
  const full: ImprintingRecord = { format: FORMAT, version: 1, ...record };
  return new TextEncoder().encode(JSON.stringify(full));
}

/** Our entry, or undefined when absent or not ours (never throws on foreign bytes). */
export function decodeImprintingRecord(bytes: Uint8Array | undefined): ImprintingRecord | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as ImprintingRecord;
    if (r?.format !== FORMAT || r.version !== 1 || typeof r.classes !== 'object' || r.classes === null) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/**
 * Samples of an imprinted class, from our record when it matches the description's norm;
 * otherwise (a model imprinted or retrained by pycoral) the nearest whole number to the
 * norm, at least 1: the norm of a sum of n unit embeddings is at most n, and n when they
 * agree, so this never overstates what was trained.
 */
export function samplesOf(id: number, norm: number, record: ImprintingRecord | undefined): number {
  const entry = record?.classes[String(id)];
  if (entry && Number.isInteger(entry.samples) && entry.samples >= 0 && entry.norm === formatFixed6(norm)) return entry.samples;
  return Number.isFinite(norm) ? Math.max(1, Math.round(norm)) : 1;
}
