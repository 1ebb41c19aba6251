import { registerReluFamily } from '../relu-family.js';

/** RELU: max(x, 0) (see relu-family.ts). */
registerReluFamily('RELU');
