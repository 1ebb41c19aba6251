import { EdgeTpuLearnError } from '../errors.js';

/**
 * The Edge TPU program inside a compiled model (the edgetpu-custom-op's options) cannot be
 * read (corrupt or truncated) or is not one this driver can run; the message says which.
 */
export class InvalidExecutableError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_INVALID_EXECUTABLE', message, options);
  }
}

/** The model was compiled for a newer Edge TPU runtime than this driver implements. */
export class UnsupportedRuntimeVersionError extends EdgeTpuLearnError {
  readonly required: number;
  readonly supported: number;

  constructor(required: number, supported: number) {
    super(
      'EDGETPU_RUNTIME_VERSION',
      `the model needs Edge TPU runtime version ${required} but this driver implements version ${supported}; ` +
        'recompile the model with an older edgetpu_compiler (for example `edgetpu_compiler --min_runtime_version ' +
        `${supported}\`) or update edgetpu-learn`,
    );
    this.required = required;
    this.supported = supported;
  }
}

/** No Edge TPU is plugged in (or not the one asked for). */
export class EdgeTpuNotFoundError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_NOT_FOUND', message, options);
  }
}

/** The operating system refused access to the device. The message says what to install. */
export class EdgeTpuPermissionError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_PERMISSION', message, options);
  }
}

/** Another program (or another handle in this one) holds the device. */
export class EdgeTpuBusyError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_BUSY', message, options);
  }
}

/** The device went away while we were using it (unplugged, reset, power loss). */
export class EdgeTpuDisconnectedError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_DISCONNECTED', message, options);
  }
}

/** The device did not answer in time. */
export class EdgeTpuTimeoutError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_TIMEOUT', message, options);
  }
}

/** The firmware could not be found, verified or downloaded into the device. */
export class EdgeTpuFirmwareError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_FIRMWARE', message, options);
  }
}

/** The device answered something the protocol does not allow (a stall, a short read, a wrong chip id...). */
export class EdgeTpuProtocolError extends EdgeTpuLearnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EDGETPU_PROTOCOL', message, options);
  }
}

/** run() was given inputs that do not fit the compiled program (count or byte length). */
export class EdgeTpuInputError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('EDGETPU_INPUT', message);
  }
}

/** The device object was used after close(). */
export class EdgeTpuClosedError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('EDGETPU_CLOSED', message);
  }
}
