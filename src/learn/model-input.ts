import { Model } from '../tflite/index.js';

/** A model given as a parsed Model, .tflite bytes, or (where async) a file path. */
export type ModelSource = Model | Uint8Array;

/**
 * A Model of our own to edit: a copy of a given Model (callers' models are never
 * modified), or a parse of the bytes (which are only read).
 */
export function modelFrom(source: ModelSource): Model {
  return source instanceof Model ? source.clone() : Model.fromBuffer(source);
}

/** Like modelFrom, and also reads a .tflite file when given a path. */
export async function loadModelFrom(source: ModelSource | string): Promise<Model> {
  return typeof source === 'string' ? Model.load(source) : modelFrom(source);
}
