/** On-device learning: weight imprinting and last-layer backpropagation, as in Coral. */
export {
  ClassIdError,
  DeviceUnavailableError,
  InvalidTrainingDataError,
  NotTrainedError,
  SampleLimitError,
  UnsupportedModelError,
} from './errors.js';
export {
  SoftmaxRegression,
  type SoftmaxRegressionOptions,
  type SoftmaxRegressionJSON,
  type TrainingData,
  type SgdOptions,
  type TrainingProgress,
  type TrainingResult,
} from './softmax-regression.js';
export {
  ImprintingEngine,
  DEFAULT_IMPRINTING_SCALE,
  DEFAULT_CENTERED_IMPRINTING_SCALE,
  DEFAULT_MAX_SAMPLES_PER_CLASS,
  type ImprintingEngineOptions,
  type FromExtractorOptions,
} from './imprinting-engine.js';
export { IMPRINTING_METADATA_NAME, parseTrainingMetadata, formatTrainingMetadata } from './imprinting-metadata.js';
export { EmbeddingExtractor, type EmbeddingExtractorOptions, type EmbedBatchOptions, type ExtractorDevice } from './embedding-extractor.js';
export { extractorFromClassifier, type ExtractorFromClassifierOptions } from './extractor-from-classifier.js';
export type { FeatureInput, LabelInput } from './feature-matrix.js';
export type { ModelSource } from './model-input.js';
