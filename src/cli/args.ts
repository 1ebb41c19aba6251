import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ResizeMethod } from '../image/index.js';
import { UsageError } from './usage-error.js';

/** util.parseArgs, with its errors turned into UsageError (exit code 2). */
export function parseCommandLine<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    // parseArgs adds hint lines; the first one says what is wrong.
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
}

export interface NumberRule {
  integer?: boolean;
  /** Smallest value allowed (inclusive unless `above`). */
  min?: number;
  /** The value must be greater than this. */
  above?: number;
  /** The value must be less than this. */
  below?: number;
}

/** Parses a numeric option value, or throws a UsageError that names the option and the rule. */
export function numberOption(value: string | undefined, option: string, rule: NumberRule = {}): number | undefined {
  if (value === undefined) return undefined;
  const x = value.trim() === '' ? Number.NaN : Number(value);
  const want = [
    rule.integer ? 'a whole number' : 'a number',
    rule.min !== undefined ? `>= ${rule.min}` : undefined,
    rule.above !== undefined ? `> ${rule.above}` : undefined,
    rule.below !== undefined ? `< ${rule.below}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const ok =
    Number.isFinite(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.above === undefined || x > rule.above) &&
    (rule.below === undefined || x < rule.below);
  if (!ok) throw new UsageError(`${option} takes ${want}, not '${value}'`);
  return x;
}

const RESIZE_METHODS: readonly ResizeMethod[] = ['nearest', 'bilinear', 'area', 'lanczos3'];

/** --resize: nearest (pycoral's PIL NEAREST, the default), bilinear, area or lanczos3. */
export function resizeOption(value: string | undefined): ResizeMethod {
  if (value === undefined) return 'nearest';
  if (!(RESIZE_METHODS as readonly string[]).includes(value)) throw new UsageError(`--resize takes ${RESIZE_METHODS.join(', ')}, not '${value}'`);
  return value as ResizeMethod;
}

/** --device: cpu (the default), auto, usb or usb:N. */
export function deviceOption(value: string | undefined): 'cpu' | 'auto' | 'usb' | `usb:${number}` {
  if (value === undefined) return 'cpu';
  if (value === 'cpu' || value === 'auto' || value === 'usb' || /^usb:\d+$/.test(value)) return value as 'cpu' | 'auto' | 'usb' | `usb:${number}`;
  throw new UsageError(`--device takes cpu, auto, usb or usb:N, not '${value}'`);
}

/** A required string option. */
export function required(value: string | undefined, option: string, command: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command} needs ${option}`);
  return value;
}

/** The options of every command that runs images through a model. */
export const IMAGE_JOB_OPTIONS = {
  resize: { type: 'string' },
  device: { type: 'string' },
  'skip-bad': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** IMAGE_JOB_OPTIONS, parsed and checked. */
export interface ImageJobSettings {
  resize: ResizeMethod;
  device: 'cpu' | 'auto' | 'usb' | `usb:${number}`;
  skipBad: boolean;
  json: boolean;
}

/** Reads the values of IMAGE_JOB_OPTIONS (UsageError for a bad --resize or --device). */
export function imageJobSettings(values: { resize?: string; device?: string; 'skip-bad'?: boolean; json?: boolean }): ImageJobSettings {
  return { resize: resizeOption(values.resize), device: deviceOption(values.device), skipBad: values['skip-bad'] ?? false, json: values.json ?? false };
}
