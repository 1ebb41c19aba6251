import type { Command } from '../command.js';
import { inspectCommand } from './inspect.js';
import { imprintCommand } from './imprint.js';
import { runCommand } from './run.js';
import { devicesCommand } from './devices.js';
import { backpropCommand } from './backprop.js';
import { classifyCommand } from './classify.js';
import { embedCommand } from './embed.js';
import { modelsCommand } from './models.js';
import { demoCommand } from './demo.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const commands: Command[] = [demoCommand, imprintCommand, backpropCommand, classifyCommand, embedCommand, inspectCommand, runCommand, modelsCommand, devicesCommand];
