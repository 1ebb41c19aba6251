/**
 * edgetpu-learn/testing: a simulated Coral USB Accelerator that replays recorded USB traces
 * of the vendor runtime, for testing code that drives an Edge TPU without the hardware.
 */
export { TraceReplayDevice, describeRecord, type ReplayFault } from './trace-replay-device.js';
export { loadTrace, type LoadedTrace, type LoadTraceOptions } from './load-trace.js';
export { TraceDivergenceError } from './trace-divergence-error.js';
export type { TraceDocument, TraceRecord } from './trace-format.js';
// Test seam of the driver: the USB bus used when no transport is given (null = the real one).
export { setDefaultUsbTransport } from '../edgetpu/discovery.js';
