import type { Writable } from 'node:stream';

/** Where a command writes, so tests can run commands in-process and read what they printed. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

/** One `edgetpu-learn <name>` command. Each lives in its own file under cli/commands/. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help text: usage line, options, an example. */
  help: string;
  /** Returns the exit code: 0 success (user errors and usage errors are thrown). */
  run(args: string[], io: CliIo): Promise<number>;
}
