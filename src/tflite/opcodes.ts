import * as fb from './generated/tflite.js';

/** The name of the custom op that holds a program compiled by the Edge TPU compiler. */
export const EDGETPU_CUSTOM_OP = 'edgetpu-custom-op';

/**
 * The builtin code of an operator code. Files written before the schema had
 * `builtin_code` only set `deprecated_builtin_code` (an int8, so it tops out at 127);
 * TFLite takes the larger of the two, and so do we.
 */
export function builtinCodeOf(code: fb.OperatorCodeT): fb.BuiltinOperator {
  return Math.max(code.builtinCode, code.deprecatedBuiltinCode) as fb.BuiltinOperator;
}

/** 'CONV_2D', or the custom code ('edgetpu-custom-op') for custom ops. */
export function opNameOf(code: fb.OperatorCodeT): string {
  const builtin = builtinCodeOf(code);
  if (builtin === fb.BuiltinOperator.CUSTOM) return typeof code.customCode === 'string' ? code.customCode : 'CUSTOM';
  return fb.BuiltinOperator[builtin] ?? `BUILTIN_${builtin}`;
}

/** Looks up a builtin operator by its schema name ('CONV_2D'). */
export function builtinByName(name: string): fb.BuiltinOperator | undefined {
  const value = (fb.BuiltinOperator as unknown as Record<string, number>)[name];
  return typeof value === 'number' ? (value as fb.BuiltinOperator) : undefined;
}
