import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { InvalidLabelsError } from './errors.js';

/*
 * Label files as pycoral reads them (pycoral/utils/dataset.py read_label_file): for each
 * line, strip it and split it once on the first run of ':' or whitespace; if there are two
 * parts and the first is digits, that is the id and the second (stripped) the label;
 * otherwise the whole stripped line is the label of id = line number (from 0). So
 * `0 cat`, `0:cat`, `0   cat` and a bare `cat` on line 0 all give {0: 'cat'}.
 *
 * A blank line is not skipped: it gives its line number an empty label, which a later
 * `id label` line with that id overwrites (and which overwrites an earlier one). A file
 * ending with one newline has no blank last line. Same as pycoral, with two differences:
 * a leading byte-order mark is ignored, and ids are ASCII digits only (Python's isdigit
 * also takes other scripts' digits).
 */

/** Python's str.isspace() characters, which str.strip() and re's \s use (JavaScript's \s differs). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
const ID_AND_LABEL = new RegExp(`^([^:${PY_SPACE}]*)[:${PY_SPACE}]+([^]*)$`);

const pyStrip = (s: string): string => s.replace(STRIP, '');

/** Parses label file text into id -> label, exactly as pycoral's read_label_file (see above). */
export function parseLabels(text: string): Map<number, string> {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  // Python's text mode turns \r\n and \r into \n; readlines() keeps no empty last line.
  const lines = body.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const labels = new Map<number, string>();
  lines.forEach((line, row) => {
    const content = pyStrip(line);
    const pair = ID_AND_LABEL.exec(content);
    if (pair && /^[0-9]+$/.test(pair[1]!)) {
      const id = Number(pair[1]);
      if (!Number.isSafeInteger(id)) throw new InvalidLabelsError(`label id ${pair[1]} on line ${row + 1} is too large`);
      labels.set(id, pyStrip(pair[2]!));
    } else {
      labels.set(row, content);
    }
  });
  return labels;
}

/** Reads a label file (UTF-8) in any of pycoral's formats. */
export async function readLabels(path: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new InvalidLabelsError(`cannot read label file ${path}: ${why}`, { cause: e });
  }
  try {
    return parseLabels(text);
  } catch (e) {
    if (e instanceof InvalidLabelsError) throw new InvalidLabelsError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

export interface FormatLabelsOptions {
  /**
   * Added to every id (default 0). With keepClasses the new classes are trained as ids
   * numBaseClasses + i, so pass the base model's class count to write the ids the model
   * really outputs (pycoral's imprinting example writes 0.. here, which is a known bug).
   */
  readonly firstId?: number;
}

/**
 * Writes labels as `id label` lines (ids ascending), which pycoral's read_label_file and
 * the Coral examples read. An array gives ids 0, 1, ... (plus firstId). The format has no
 * comments, so nothing else goes in the file. Labels that would not read back the same
 * (empty, multi-line, padded with spaces, or starting with ':') are refused.
 */
export function formatLabels(labels: ReadonlyMap<number, string> | readonly string[], options: FormatLabelsOptions = {}): string {
  const firstId = options.firstId ?? 0;
  if (!Number.isSafeInteger(firstId) || firstId < 0) throw new InvalidLabelsError(`firstId must be a non-negative integer, got ${firstId}`);
  const entries: [number, string][] = Array.isArray(labels)
    ? (labels as readonly string[]).map((label, i) => [i, label])
    : [...(labels as ReadonlyMap<number, string>).entries()].sort((a, b) => a[0] - b[0]);
  let text = '';
  for (const [id, label] of entries) {
    const written = id + firstId;
    if (!Number.isSafeInteger(id) || id < 0) throw new InvalidLabelsError(`label id must be a non-negative integer, got ${id}`);
    const problem =
      label === '' ? 'is empty'
      : /[\r\n]/.test(label) ? 'contains a line break'
      : pyStrip(label) !== label ? 'starts or ends with white space'
      : label.startsWith(':') ? "starts with ':'"
      : undefined;
    if (problem) throw new InvalidLabelsError(`label ${JSON.stringify(label)} (id ${written}) ${problem}, so it would not read back the same from a label file`);
    text += `${written} ${label}\n`;
  }
  return text;
}

/** Writes a label file atomically (see formatLabels). */
export async function writeLabels(
  path: string,
  labels: ReadonlyMap<number, string> | readonly string[],
  options: FormatLabelsOptions = {},
): Promise<void> {
  await writeFileAtomic(path, formatLabels(labels, options));
}
