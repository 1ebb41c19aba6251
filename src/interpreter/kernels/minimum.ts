import { registerMaximumMinimum } from '../maximum-minimum.js';

/** MINIMUM: element-wise a < b ? a : b on the raw values (see maximum-minimum.ts). */
registerMaximumMinimum('MINIMUM');
