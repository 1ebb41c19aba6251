import { expect } from 'chai';
import { Writable } from 'node:stream';
import { formatSeconds, Reporter } from '../../src/cli/progress.js';

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function io(tty: boolean): { stdout: Sink; stderr: Sink } {
  return { stdout: new Sink(false), stderr: new Sink(tty) };
}

describe('cli: progress reporting', function () {
  it('on a terminal: one bar redrawn in place on stderr, ending with a newline', function () {
    const out = io(true);
    const bar = new Reporter(out).bar('embedding', 1000, 'images');
    for (let i = 1; i <= 1000; i++) bar.update(i);
    bar.finish('done');
    expect(out.stdout.text).to.equal('');
    const text = out.stderr.text;
    expect(text.endsWith('\n')).to.equal(true);
    expect(text.split('\n')).to.have.length(2); // one line, redrawn with \r
    const last = text.split('\r\x1b[2K').at(-1)!;
    expect(last).to.match(/^embedding \[#{10,30}\] 1000\/1000 images \(100%\)  \d+(\.\d)?s  done\n$/);
  });

  it('without a terminal: a plain line per tenth of the work', function () {
    const out = io(false);
    const bar = new Reporter(out).bar('training', 500, 'iterations');
    for (let i = 1; i <= 500; i++) bar.update(i, `loss ${(1 / i).toFixed(3)}`);
    bar.finish();
    const lines = out.stderr.text.trim().split('\n');
    expect(lines).to.have.length(10);
    expect(lines[0]).to.equal('training: 50/500 iterations (10%)  loss 0.020');
    expect(lines.at(-1)).to.equal('training: 500/500 iterations (100%)  loss 0.002');
    expect(out.stderr.text).not.to.include('\r');
  });

  it('with --json: progress events on stdout (the last one complete), nothing on stderr', function () {
    const out = io(true);
    const reporter = new Reporter(out, { json: true });
    const bar = reporter.bar('embedding', 3);
    bar.update(1);
    bar.update(2);
    bar.update(3);
    bar.finish();
    reporter.status('not shown');
    reporter.warn('shown as an event', { image: 'x.jpg' });
    const events = out.stdout.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).to.deep.equal({ event: 'progress', phase: 'embedding', done: 1, total: 3 });
    expect(events.at(-2)).to.deep.equal({ event: 'progress', phase: 'embedding', done: 3, total: 3 });
    expect(events.at(-1)).to.deep.equal({ event: 'warning', message: 'shown as an event', image: 'x.jpg' });
    expect(out.stderr.text).to.equal('');
    const quiet = io(false);
    new Reporter(quiet, { json: true, progressEvents: false }).bar('x', 2).update(2);
    expect(quiet.stdout.text).to.equal('');
  });

  it('formats durations', function () {
    expect([0.25, 9.94, 12.4, 65, 119.7, 3599].map(formatSeconds)).to.deep.equal(['0.3s', '9.9s', '12s', '1m05s', '2m00s', '59m59s']);
  });
});
