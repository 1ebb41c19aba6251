import { EdgeTpuLearnError } from '../errors.js';
import type { CliIo } from './command.js';
import { commands } from './commands/index.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: edgetpu-learn <command> [options]',
    '',
    'On-device transfer learning for the Coral Edge TPU: imprint new classes, retrain the',
    'last layer, export a .tflite that TFLite, pycoral and this tool all run.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --help, -h     help for edgetpu-learn or a command',
    '  --version, -v  print the version',
    '  --verbose      show stack traces of errors',
    '',
    "Run 'edgetpu-learn <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * Runs the CLI and returns the exit code: 0 success, 1 a user error (a one-line message,
 * no stack trace unless --verbose), 2 bad usage.
 */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
      io.stdout.write((topic ? topic.help : mainHelp()) + '\n');
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(packageVersion() + '\n');
      return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command '${name}'; run 'edgetpu-learn --help' for the list`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.help + '\n');
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`edgetpu-learn: ${e.message}\n`);
      return 2;
    }
    if (e instanceof EdgeTpuLearnError) {
      io.stderr.write(`edgetpu-learn: ${e.message}\n`);
      if (verbose && e.stack) io.stderr.write(e.stack + '\n');
      return 1;
    }
    io.stderr.write(`edgetpu-learn: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    io.stderr.write(verbose ? `${(e as Error)?.stack ?? ''}\n` : 'Run again with --verbose for the stack trace, and please report it.\n');
    return 1;
  }
}
