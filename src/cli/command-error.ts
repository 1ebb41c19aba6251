import { EdgeTpuLearnError } from '../errors.js';

/** Something a command cannot do with what it was given (exit code 1, one line). */
export class CommandError extends EdgeTpuLearnError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Wraps a failed file write in a CommandError that names the file. */
export function writeError(path: string, e: unknown): CommandError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'the folder does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
  return new CommandError('OUTPUT', `cannot write ${path}: ${why}`, { cause: e });
}
