import { basename } from 'node:path';
import { percent } from '../evaluation.js';
import { esc } from './escape.js';
import type { ReportData } from './report-data.js';
import { confusionMatrixSvg, lineChart } from './svg-charts.js';

/** How many misclassified images get a thumbnail. */
export const MAX_THUMBNAILS = 60;

const STYLE = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5b6670; --line: #dde3e8; --ok: #16803c; --bad: #c82828; --accent: #2360a8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; background: #f6f8fa; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f3f5; padding: 2px 5px; border-radius: 4px; word-break: break-all; }
table { border-collapse: collapse; }
td, th { padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 110px; }
.card .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .name { color: var(--muted); font-size: 13px; }
.bar { display: inline-block; height: 10px; border-radius: 5px; background: var(--ok); vertical-align: middle; }
.bar.track { background: #edf0f2; width: 160px; position: relative; }
.bar.track > .bar { position: absolute; left: 0; top: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg .chart-title { font-weight: 600; font-size: 13px; }
svg .tick, svg .legend { fill: var(--muted); }
svg .grid { stroke: #eef1f3; }
svg .axis { stroke: #9aa5ae; }
svg .count { font-weight: 600; font-size: 12px; }
svg .count.light { fill: #fff; }
.thumbs { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure img { display: block; margin: 0 auto 6px; max-width: 100%; height: auto; border-radius: 4px; }
figcaption { font-size: 12px; line-height: 1.35; word-break: break-word; }
.true { color: var(--ok); font-weight: 600; }
.wrong { color: var(--bad); font-weight: 600; }
`;

const COLORS = { loss: '#c0392b', train: '#2360a8', val: '#e08e0b' };

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${body}</section>`;
}

/** The report as one self-contained HTML page (inline CSS and SVG, thumbnails as data: URIs). */
export function renderReport(data: ReportData, thumbnails: ReadonlyMap<string, string>, created: Date): string {
  const out: string[] = [];
  out.push('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${esc(data.title)}</title><style>${STYLE}</style></head><body><main>`);
  out.push(`<h1>${esc(data.title)}</h1>`);
  out.push(`<p class="muted">${esc(created.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} &middot; <code>${esc(data.commandLine)}</code></p>`);

  out.push(section('Summary', `<table>${data.summary.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`));

  const e = data.evaluation;
  if (e) {
    const cards = e.topK.map((a, k) => `<div class="card"><div class="value">${percent(a)}</div><div class="name">top-${k + 1} accuracy</div></div>`).join('');
    const on = data.evaluatedOn === 'embeddings' ? 'scored from the embeddings' : 'classified by the exported model';
    out.push(section('Test accuracy', `<p class="muted">${e.images} test images, ${on}.</p><div class="cards">${cards}</div>`));
  }

  const t = data.training;
  if (t) {
    const charts = [
      lineChart([{ name: 'training loss (mini-batch)', color: COLORS.loss, x: t.iterations, y: t.loss }], { title: 'Loss', xLabel: 'iteration' }),
      lineChart(
        [
          { name: 'training accuracy', color: COLORS.train, x: t.iterations, y: t.trainAccuracy },
          ...(t.valAccuracy ? [{ name: 'validation accuracy', color: COLORS.val, x: t.iterations, y: t.valAccuracy }] : []),
        ],
        { title: 'Accuracy', xLabel: 'iteration', yMin: 0, yMax: 1, percent: true },
      ),
    ];
    out.push(section('Training', `<div class="charts">${charts.join('')}</div>`));
  }

  if (e) {
    const columns = [...e.classNames, ...(e.other ? ['other (kept class)'] : [])];
    out.push(section('Confusion matrix', confusionMatrixSvg(e.confusion, e.classNames, columns)));
    const rows = e.perClass
      .map((c, i) => {
        const w = Number.isNaN(c.accuracy) ? 0 : Math.round(c.accuracy * 160);
        const trained = data.trainCounts ? `<td class="num">${data.trainCounts[i]}</td>` : '';
        return `<tr><td class="num">${i}</td><td>${esc(c.name)}</td>${trained}<td class="num">${c.correct}/${c.images}</td><td class="num">${percent(c.accuracy)}</td><td><span class="bar track"><span class="bar" style="width:${w}px"></span></span></td></tr>`;
      })
      .join('');
    const head = `<tr><th>#</th><th>class</th>${data.trainCounts ? '<th>trained on</th>' : ''}<th>correct</th><th>accuracy</th><th></th></tr>`;
    out.push(section('Per-class accuracy', `<table>${head}${rows}</table>`));

    const wrong = e.misclassified;
    let body: string;
    if (wrong.length === 0) {
      body = '<p>None: every test image was classified correctly.</p>';
    } else {
      const figures = wrong.slice(0, MAX_THUMBNAILS).map((m) => {
        const src = thumbnails.get(m.path);
        const img = src ? `<img src="${src}" alt="${esc(basename(m.path))}">` : '';
        const predicted = m.predicted >= 0 ? e.classNames[m.predicted]! : `id ${m.predictedId}`;
        return `<figure>${img}<figcaption><span class="true">${esc(e.classNames[m.label]!)}</span> &rarr; <span class="wrong">${esc(predicted)}</span> ${m.score.toFixed(2)}<br><span class="muted">${esc(basename(m.path))}</span></figcaption></figure>`;
      });
      const more = wrong.length > MAX_THUMBNAILS ? `<p class="muted">and ${wrong.length - MAX_THUMBNAILS} more.</p>` : '';
      body = `<p class="muted">${wrong.length} of ${e.images} test images: true class &rarr; predicted class and score.</p><div class="thumbs">${figures.join('')}</div>${more}`;
    }
    out.push(section('Misclassified images', body));
  } else if (data.trainCounts) {
    const rows = data.classNames.map((n, i) => `<tr><td class="num">${i}</td><td>${esc(n)}</td><td class="num">${data.trainCounts![i]}</td></tr>`).join('');
    out.push(section('Classes', `<table><tr><th>#</th><th>class</th><th>trained on</th></tr>${rows}</table><p class="muted">No test split: pass --test-ratio to measure accuracy.</p>`));
  }

  if (data.skipped.length > 0) {
    out.push(section('Skipped images', `<ul>${data.skipped.map((s) => `<li>${esc(s.error)}</li>`).join('')}</ul>`));
  }

  const total = data.timings.reduce((a, p) => a + p.seconds, 0);
  const timingRows = data.timings
    .map((p) => `<tr><td>${esc(p.name)}</td><td class="num">${p.seconds.toFixed(2)} s</td><td><span class="bar" style="width:${Math.max(1, Math.round((p.seconds / (total || 1)) * 240))}px;background:var(--accent)"></span></td></tr>`)
    .join('');
  out.push(section('Timings', `<table>${timingRows}<tr><th>total</th><td class="num">${total.toFixed(2)} s</td><td></td></tr></table>`));
  out.push('</main></body></html>\n');
  return out.join('\n');
}
