import { registerReluFamily } from '../relu-family.js';

/** RELU_N1_TO_1: min(max(x, -1), 1) (see relu-family.ts). */
registerReluFamily('RELU_N1_TO_1');
