import { EDGETPU_CUSTOM_OP, type Model, type OperatorInfo } from '../tflite/index.js';
import { UnsupportedModelError } from './errors.js';
import { modelFrom, type ModelSource } from './model-input.js';

export interface ExtractorFromClassifierOptions {
  /**
   * Where to cut: a tensor name or index, which becomes the extractor's output. Default: the
   * input of the classifier layer (the last FULLY_CONNECTED or 1x1 CONV_2D before SOFTMAX).
   */
  tensor?: string | number;
}

/** Operators that may sit between the classifier layer and the softmax. */
const PASS_THROUGH = new Set(['RESHAPE', 'SQUEEZE', 'QUANTIZE', 'DEQUANTIZE', 'MUL']);

const COMPILED_HINT =
  'In an _edgetpu model that part is compiled into the edgetpu-custom-op, where it cannot be cut: ' +
  'cut the CPU model (extractorFromClassifier on the .tflite before compiling) and compile the extractor with edgetpu_compiler.';

/**
 * The embedding extractor of a classification model (.tflite bytes): the model cut so
 * that it outputs the embedding its classifier layer reads, ready for SoftmaxRegression or
 * ImprintingEngine.fromExtractor. Operators after the cut are dropped.
 */
export function extractorFromClassifier(classifier: ModelSource, options: ExtractorFromClassifierOptions = {}): Uint8Array {
  const model = modelFrom(classifier);
  const cut = options.tensor === undefined ? classifierInput(model) : namedTensor(model, options.tensor);
  model.cutAt(cut);
  return model.toBuffer();
}

function namedTensor(model: Model, tensor: string | number): number {
  const g = model.subgraph(0);
  const found = typeof tensor === 'number' ? (tensor >= 0 && tensor < g.tensors.length ? g.tensor(tensor) : undefined) : g.findTensor(tensor);
  if (found) return found.index;
  const where = typeof tensor === 'number' ? `tensor ${tensor}` : `no tensor named '${tensor}'`;
  if (model.isEdgeTpuModel) throw new UnsupportedModelError(`${typeof tensor === 'number' ? `${where} does not exist` : where} in this model.`, COMPILED_HINT);
  throw new UnsupportedModelError(`${typeof tensor === 'number' ? `${where} does not exist` : where} in this model.`, 'Name one of the tensors `edgetpu-learn inspect --tensors` lists.');
}

/** The input tensor of the layer that feeds the last SOFTMAX (through reshapes and the like). */
function classifierInput(model: Model): number {
  const g = model.subgraph(0);
  const ops = g.operators;
  const producer = new Map<number, OperatorInfo>();
  for (const op of ops) for (const t of op.outputs) producer.set(t, op);
  const softmax = ops.filter((o) => o.op === 'SOFTMAX').at(-1);
  if (!softmax) {
    const compiled = g.outputs.some((t) => producer.get(t)?.op === EDGETPU_CUSTOM_OP);
    if (compiled) throw new UnsupportedModelError('The classifier layer and its softmax are inside the compiled edgetpu-custom-op.', COMPILED_HINT);
    throw new UnsupportedModelError('The model has no SOFTMAX, so its classifier layer cannot be found.', 'Pass options.tensor: the name of the embedding tensor to cut at.');
  }
  let t = softmax.inputs[0]!;
  for (;;) {
    const op = producer.get(t);
    if (!op) throw new UnsupportedModelError(`No FULLY_CONNECTED or 1x1 CONV_2D feeds the SOFTMAX (reached the model input '${g.tensor(t).name}').`, 'Pass options.tensor.');
    if (op.op === 'FULLY_CONNECTED') return op.inputs[0]!;
    if (op.op === 'CONV_2D') {
      const kernel = g.tensor(op.inputs[1]!).shape;
      if (kernel[1] === 1 && kernel[2] === 1) return op.inputs[0]!;
      throw new UnsupportedModelError(`The CONV_2D before the SOFTMAX has a ${kernel[1]}x${kernel[2]} kernel, not a 1x1 classifier layer.`, 'Pass options.tensor.');
    }
    if (op.op === EDGETPU_CUSTOM_OP) throw new UnsupportedModelError('The classifier layer is inside the compiled edgetpu-custom-op.', COMPILED_HINT);
    if (!PASS_THROUGH.has(op.op)) throw new UnsupportedModelError(`A ${op.op} sits between the classifier layer and the SOFTMAX.`, 'Pass options.tensor: the name of the embedding tensor to cut at.');
    t = op.inputs[0]!;
  }
}
