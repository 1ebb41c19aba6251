/** edgetpu-learn: on-device transfer learning for the Google Coral Edge TPU. */
export * from './tflite/index.js';
export { EdgeTpuLearnError, UnsupportedModelError } from './errors.js';
export * from './image/index.js';
export * from './data/index.js';
export * from './interpreter/index.js';
export * from './edgetpu/index.js';
export * from './learn/index.js';
export * from './models/index.js';
