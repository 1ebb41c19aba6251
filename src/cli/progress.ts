import type { CliIo } from './command.js';

/** A bar for one phase of work (embedding images, training...). */
export interface ProgressBar {
  /** `done` out of the bar's total; `detail` is shown after the count (loss, accuracy...). */
  update(done: number, detail?: string): void;
  /** Ends the bar (shown full or where it stopped) and moves to a new line. */
  finish(detail?: string): void;
}

const REDRAW_MS = 100;
/** Without a terminal, a line at every tenth of the work. */
const PLAIN_STEPS = 10;

/**
 * How a long command reports what it does, on three kinds of output:
 * - a terminal (stderr is a TTY): progress bars redrawn in place on stderr;
 * - anything else: plain progress lines on stderr, one per tenth of the work;
 * - --json: JSON lines on stdout only (`{"event": ...}`), nothing on stderr.
 * Results (accuracy, files written) go to stdout in the text modes.
 */
export class Reporter {
  readonly json: boolean;
  private readonly tty: boolean;
  private readonly progressEvents: boolean;

  /** `progressEvents: false` keeps progress out of the JSON lines (where each line is a result). */
  constructor(
    private readonly io: CliIo,
    options: { json?: boolean; progressEvents?: boolean } = {},
  ) {
    this.json = options.json ?? false;
    this.tty = !this.json && io.stderr.isTTY === true;
    this.progressEvents = options.progressEvents ?? true;
  }

  /** A status line on stderr (nothing under --json). */
  status(text: string): void {
    if (!this.json) this.io.stderr.write(text + '\n');
  }

  /** A result line on stdout (nothing under --json). */
  print(text: string): void {
    if (!this.json) this.io.stdout.write(text + '\n');
  }

  /** A warning: on stderr, or as a JSON event with `fields` under --json. */
  warn(text: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.event({ event: 'warning', message: text, ...fields });
    else this.io.stderr.write(`warning: ${text}\n`);
  }

  /** One JSON line on stdout (under --json only). */
  event(fields: Record<string, unknown>): void {
    if (this.json) this.io.stdout.write(JSON.stringify(fields) + '\n');
  }

  /** A progress bar for `total` units of `label` work. Under --json, progress events. */
  bar(label: string, total: number, unit = ''): ProgressBar {
    if (this.json) return this.progressEvents ? this.jsonBar(label, total) : { update: () => undefined, finish: () => undefined };
    return this.tty ? this.ttyBar(label, total, unit) : this.plainBar(label, total, unit);
  }

  private jsonBar(phase: string, total: number): ProgressBar {
    let last = 0;
    let lastDone = -1;
    const emit = (done: number, detail: string | undefined): void => {
      lastDone = done;
      last = performance.now();
      this.event({ event: 'progress', phase, done, total, ...(detail ? { detail } : {}) });
    };
    return {
      update: (done, detail) => {
        if (done === total || performance.now() - last >= 250) emit(done, detail);
      },
      finish: (detail) => {
        if (lastDone !== total) emit(Math.max(lastDone, 0), detail);
      },
    };
  }

  private plainBar(label: string, total: number, unit: string): ProgressBar {
    let step = 0;
    let lastDone = 0;
    const line = (done: number, detail?: string): void => {
      this.io.stderr.write(`${label}: ${count(done, total, unit)}${detail ? `  ${detail}` : ''}\n`);
    };
    return {
      update: (done, detail) => {
        lastDone = done;
        const reached = total > 0 ? Math.floor((done / total) * PLAIN_STEPS) : PLAIN_STEPS;
        if (reached > step) {
          step = reached;
          line(done, detail);
        }
      },
      finish: (detail) => {
        if (step < PLAIN_STEPS || detail) line(lastDone, detail);
        step = PLAIN_STEPS;
      },
    };
  }

  private ttyBar(label: string, total: number, unit: string): ProgressBar {
    const started = performance.now();
    let lastDraw = 0;
    let lastDone = 0;
    let lastDetail: string | undefined;
    const columns = (this.io.stderr as { columns?: number }).columns ?? 80;
    const draw = (done: number, detail: string | undefined, final: boolean): void => {
      const elapsed = (performance.now() - started) / 1000;
      const fraction = total > 0 ? Math.min(done / total, 1) : 1;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = !final && rate > 0 && done < total ? `  eta ${formatSeconds((total - done) / rate)}` : final ? `  ${formatSeconds(elapsed)}` : '';
      const tail = ` ${count(done, total, unit)}${eta}${detail ? `  ${detail}` : ''}`;
      const width = Math.max(10, Math.min(30, columns - label.length - tail.length - 4));
      const filled = Math.round(fraction * width);
      const text = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`;
      this.io.stderr.write(`\r\x1b[2K${text.slice(0, columns - 1)}${final ? '\n' : ''}`);
    };
    return {
      update: (done, detail) => {
        lastDone = done;
        lastDetail = detail ?? lastDetail;
        const now = performance.now();
        if (now - lastDraw >= REDRAW_MS) {
          lastDraw = now;
          draw(done, lastDetail, false);
        }
      },
      finish: (detail) => draw(lastDone, detail ?? lastDetail, true),
    };
  }
}

function count(done: number, total: number, unit: string): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  return `${done}/${total}${unit ? ` ${unit}` : ''} (${percent}%)`;
}

/** 3.2s, 1m05s. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
