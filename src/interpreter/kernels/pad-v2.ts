import { registerKernel } from '../registry.js';
import { PAD_DTYPES, preparePad } from './pad.js';

/** PADV2: PAD with an explicit pad value as a third input (see pad.ts). */
registerKernel({ op: 'PADV2', dtypes: PAD_DTYPES, prepare: (node) => preparePad(node, true) });
