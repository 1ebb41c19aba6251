/** The CPU interpreter: public API. Importing it registers every built-in kernel. */
import './kernels/index.js';

export { Interpreter, type InterpreterOptions, type InterpreterInputs, type TensorDetails, type ClosableKernelRun } from './interpreter.js';
export { InterpreterPool, type InterpreterPoolOptions, type RunBatchOptions } from './interpreter-pool.js';
export { setAutoDeviceResolver, resolveDevice, type AutoDeviceResolver, type AutoDeviceChoice } from './device-resolver.js';
export {
  UnsupportedOperatorError,
  EdgeTpuRequiredError,
  InvalidInputError,
  UnsupportedModelError,
  AsyncKernelError,
  InterpreterStateError,
  type UnsupportedOperatorDetails,
} from './errors.js';
export { registerKernel, findKernel, supportedDtypes, registeredOps } from './registry.js';
export type { KernelDefinition, KernelNode, KernelRun } from './kernel.js';
export type { RuntimeTensor } from './tensor.js';
