import { EdgeTpuLearnError } from '../errors.js';

/**
 * The driver under test did something other than what the recorded trace shows. The
 * message names the trace, the record (its index among the ordered records and its `seq`
 * in the file), what the trace expected and what came.
 */
export class TraceDivergenceError extends EdgeTpuLearnError {
  readonly trace: string;
  /** Index among the ordered records (the trace without read bookkeeping and marks). */
  readonly recordIndex: number;
  /** The record's `seq` in the trace file, or -1 past the end. */
  readonly seq: number;
  readonly expected: string;
  readonly actual: string;

  constructor(trace: string, recordIndex: number, seq: number, expected: string, actual: string) {
    const where = seq >= 0 ? `record ${recordIndex} (seq ${seq})` : `the end (after ${recordIndex} records)`;
    super('TRACE_DIVERGENCE', `${trace}: the driver diverged from the trace at ${where}:\n  expected: ${expected}\n  got:      ${actual}`);
    this.trace = trace;
    this.recordIndex = recordIndex;
    this.seq = seq;
    this.expected = expected;
    this.actual = actual;
  }
}
