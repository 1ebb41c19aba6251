import { registerMaximumMinimum } from '../maximum-minimum.js';

/** MAXIMUM: element-wise a > b ? a : b on the raw values (see maximum-minimum.ts). */
registerMaximumMinimum('MAXIMUM');
