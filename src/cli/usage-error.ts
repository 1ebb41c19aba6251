import { EdgeTpuLearnError } from '../errors.js';

/** The command line itself is wrong (unknown option, missing argument): exit code 2. */
export class UsageError extends EdgeTpuLearnError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
