import { registerKernel } from '../registry.js';
import { EXTREMUM_DTYPES, prepareExtremum } from './reduce-max.js';

/** REDUCE_MIN: see reduce-max.ts. */
registerKernel({ op: 'REDUCE_MIN', dtypes: EXTREMUM_DTYPES, prepare: (node) => prepareExtremum(node, false) });
