/**
 * The generated TFLite schema bindings (see scripts/gen-tflite-schema.sh), re-exported
 * under one name so the rest of the code imports `fb.X` and it is obvious what is raw
 * format and what is ours.
 */
export * as fb from './generated/tflite.js';
