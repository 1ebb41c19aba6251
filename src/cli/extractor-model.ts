import { extractorFromClassifier } from '../learn/index.js';
import type { Model } from '../tflite/index.js';
import { CommandError } from './command-error.js';
import { refuseCompiledClassifier } from './device-hint.js';

/**
 * The embedding extractor of a model given where an extractor is expected: the model itself,
 * or, for a classifier (a model ending in SOFTMAX), the model cut at the input of its classifier
 * layer; `note` then says so, for the user. Anything with other than one input and one
 * [1, D] or [1, 1, 1, D] output is refused.
 */
export function extractorOf(model: Model, name: string): { bytes: Uint8Array; note?: string } {
  refuseCompiledClassifier(name);
  const g = model.subgraph(0);
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new CommandError('NOT_AN_EXTRACTOR', `${name} has ${g.inputs.length} inputs and ${g.outputs.length} outputs; an image embedding extractor or classifier has one of each`);
  }
  if (g.operators.at(-1)?.op === 'SOFTMAX') {
    const bytes = extractorFromClassifier(model);
    return { bytes, note: `${name} is a classifier: using the embedding its classifier layer reads` };
  }
  const shape = g.tensor(g.outputs[0]!).shape;
  if (shape.length < 2 || shape.slice(0, -1).some((d) => d !== 1)) {
    throw new CommandError('NOT_AN_EXTRACTOR', `${name} outputs a [${shape.join(', ')}] tensor, not an embedding ([1, D] or [1, 1, 1, D]): give an embedding extractor or a classifier`);
  }
  return { bytes: model.toBuffer() };
}
