/**
 * The parts of an `edgetpu-usb-trace` (format_version 1) the replaying device reads. The
 * format is described in the traces' FORMAT.md; records carry more fields than listed here.
 */

export interface TraceDocument {
  format: 'edgetpu-usb-trace';
  format_version: number;
  scenario: string;
  start_mode: 'dfu' | 'app';
  model: {
    file: { name: string; bytes: number; sha256: string };
    executables: { index: number; bitstreams: { length: number; sha256: string }[]; parameters: { length: number; sha256: string } | null }[];
  };
  fake_device: { speed: string };
  inputs: { inference: number; file: string; bytes: number; sha256: string }[];
  outputs: { inference: number; file: string; bytes: number; result_file: string; result_bytes: number; result_sha256: string }[];
  records: TraceRecord[];
}

interface RecordBase {
  seq: number;
  t_ms: number;
}

export interface ControlRecord extends RecordBase {
  kind: 'control_in' | 'control_out';
  bmRequestType: number;
  bRequest: number;
  wValue: number;
  wIndex: number;
  length: number;
  result: number;
  data: string;
  decoded?: { op?: string; addr?: string; value?: string; name?: string; poll_note?: string; block?: number };
}

export interface PatchRange {
  start: number;
  end: number;
  field: string;
}

export type SegmentSource =
  | { executable: number; bitstream: number; offset: number }
  | { executable: number; parameters_offset: number }
  | { inference: number; input_file: string; offset: number; layer: string };

export interface Segment {
  type: 'header' | 'payload';
  offset: number;
  length: number;
  tag: number;
  payload_length: number;
  payload_offset?: number;
  request: number;
  executable: number;
  what: string;
  source?: SegmentSource;
}

export interface BulkOutRecord extends RecordBase {
  kind: 'bulk_out';
  endpoint: number;
  length: number;
  data?: string;
  data_sha256?: string;
  data_sha256_masked?: string;
  segments: Segment[];
  patch_ranges?: PatchRange[];
}

export interface BulkInRecord extends RecordBase {
  kind: 'bulk_in' | 'interrupt_in';
  endpoint: number;
  length: number;
  data: string;
  what: string;
  request: number;
}

export type TraceRecord =
  | ControlRecord
  | BulkOutRecord
  | BulkInRecord
  | (RecordBase & { kind: 'open'; device: string })
  | (RecordBase & { kind: 'close' })
  | (RecordBase & { kind: 'claim_interface' | 'release_interface'; interface: number })
  | (RecordBase & { kind: 'set_configuration'; configuration: number })
  | (RecordBase & { kind: 'reset'; device: string; result: number })
  | (RecordBase & { kind: 'reenumerate'; from: string; to: string })
  | (RecordBase & { kind: 'device_note'; note: string })
  | (RecordBase & { kind: 'submit_in' | 'in_complete' | 'cancel' | 'mark' });

/** Host-side read bookkeeping and harness marks: timing-dependent, not part of the ordered sequence. */
export const UNORDERED_KINDS: ReadonlySet<string> = new Set(['submit_in', 'in_complete', 'cancel', 'mark']);

/** Records the device produces on its own (applied when the replay reaches them). */
export const DEVICE_KINDS: ReadonlySet<string> = new Set(['bulk_in', 'interrupt_in', 'reenumerate', 'device_note']);
