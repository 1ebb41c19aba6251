import { EdgeTpuLearnError } from '../errors.js';

// One class for the whole library: the interpreter throws it too.
export { UnsupportedModelError } from '../errors.js';

/** A class id that the engine cannot train (a base class, a gap in the ids, a negative id...). */
export class ClassIdError extends EdgeTpuLearnError {
  readonly classId: number;

  constructor(classId: number, message: string) {
    super('INVALID_CLASS_ID', message);
    this.classId = classId;
  }
}

/** A class already holds the maximum number of training samples; nothing was changed. */
export class SampleLimitError extends EdgeTpuLearnError {
  readonly classId: number;
  readonly limit: number;

  constructor(classId: number, limit: number) {
    super(
      'SAMPLE_LIMIT',
      `class ${classId} already has ${limit} training samples, the maximum per class; the sample was not added. ` +
        `Pass a larger maxSamplesPerClass (or Infinity) to ImprintingEngine.create() to allow more.`,
    );
    this.classId = classId;
    this.limit = limit;
  }
}

/** Serializing a model that has learned nothing. */
export class NotTrainedError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('NOT_TRAINED', message);
  }
}

/** Training data, labels or an embedding that do not fit the model (size, dtype, NaN...). */
export class InvalidTrainingDataError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('INVALID_TRAINING_DATA', message);
  }
}

/** A device other than the CPU was asked for, but the Edge TPU driver is not available. */
export class DeviceUnavailableError extends EdgeTpuLearnError {
  readonly device: string;

  constructor(device: string, message: string) {
    super('DEVICE_UNAVAILABLE', message);
    this.device = device;
  }
}
