import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';
import { runCommand } from './run.js';
import { devicesCommand } from './devices.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: Command[] = [inspectCommand, runCommand, devicesCommand];
