import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: Command[] = [inspectCommand];
