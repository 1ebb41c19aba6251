import { registerReluFamily } from '../relu-family.js';

/** RELU6: min(max(x, 0), 6) (see relu-family.ts). */
registerReluFamily('RELU6');
