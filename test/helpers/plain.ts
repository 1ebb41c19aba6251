import { createHash } from 'node:crypto';

const BYTE_FIELDS = new Set(['data', 'customOptions', 'custom', 'values']);

/**
 * A structural copy of a generated object tree for deep comparison: class instances
 * become plain objects, bigints strings, and byte vectors (typed or number[]) a short
 * length+hash string, so that megabytes of weights compare fast and print short.
 */
export function plain(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array || (BYTE_FIELDS.has(key) && Array.isArray(value) && value.every((v) => typeof v === 'number'))) {
    const bytes = value instanceof Uint8Array ? value : Uint8Array.from(value as number[]);
    return `bytes:${bytes.length}:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map((v) => plain(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = { $class: value.constructor.name };
    for (const [k, v] of Object.entries(value)) out[k] = plain(v, k);
    return out;
  }
  return value;
}
