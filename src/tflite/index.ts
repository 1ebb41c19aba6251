export { Model, type LoadOptions, type OperatorCodeInfo, type OperatorPlacement, type EdgeTpuOperator } from './model.js';
export { Subgraph, type NewTensor, type NewOperator, type QuantizationInput } from './subgraph.js';
export type { TensorInfo, OperatorInfo, Quantization } from './views.js';
export { InvalidModelError, ModelEditError } from './errors.js';
export { type DType, type TypedArray, bytesPerElement, typedView } from './dtype.js';
export { EDGETPU_CUSTOM_OP } from './opcodes.js';
export { fb } from './schema.js';
export type { WriteOptions } from './write.js';
export { summarizeModel, type ModelSummary, type TensorSummary } from './summary.js';
