import { esc, shortNumber } from './escape.js';

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A line chart with axes, grid, ticks and a legend, as an inline SVG element. */
export function lineChart(series: readonly Series[], options: { title: string; xLabel: string; yMin?: number; yMax?: number; percent?: boolean }): string {
  const width = 470;
  const height = 270;
  const m = { left: 52, right: 16, top: 48, bottom: 40 };
  const all = series.flatMap((s) => s.y.filter(Number.isFinite));
  const xs = series.flatMap((s) => s.x);
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  let yMin = options.yMin ?? Math.min(0, ...all);
  let yMax = options.yMax ?? Math.max(...all, 0) * 1.05;
  if (!(yMax > yMin)) [yMin, yMax] = [yMin - 1, yMin + 1];
  const px = (x: number): number => m.left + ((x - xMin) / (xMax - xMin || 1)) * (width - m.left - m.right);
  const py = (y: number): number => height - m.bottom - ((y - yMin) / (yMax - yMin)) * (height - m.top - m.bottom);
  const fmt = (y: number): string => (options.percent ? `${Math.round(y * 100)}%` : shortNumber(y));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(options.title)}">`);
  parts.push(`<text x="${m.left}" y="18" class="chart-title">${esc(options.title)}</text>`);
  for (const t of niceTicks(yMin, yMax)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}" class="grid"/><text x="${m.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(xMin, xMax, 6)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${height - m.bottom}" y2="${height - m.bottom + 4}" class="axis"/><text x="${x}" y="${height - m.bottom + 16}" class="tick" text-anchor="middle">${shortNumber(t)}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" class="axis"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" class="axis"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 6}" class="tick" text-anchor="middle">${esc(options.xLabel)}</text>`);
  series.forEach((s, i) => {
    const points = s.x.map((x, j) => [x, s.y[j]!] as const).filter(([, y]) => Number.isFinite(y));
    if (points.length === 0) return;
    const d = points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${esc(s.name)}</title></path>`);
    if (points.length === 1) parts.push(`<circle cx="${px(points[0]![0]).toFixed(1)}" cy="${py(points[0]![1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const lx = m.left + series.slice(0, i).reduce((a, t) => a + 34 + t.name.length * 6.6, 0);
    const ly = 34;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/><text x="${lx + 24}" y="${ly}" class="legend" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The confusion matrix as a heat map: rows are true classes, columns predicted ones; each
 * cell's shade is its share of the row, and it shows its count (when the cells are big enough).
 */
export function confusionMatrixSvg(matrix: readonly (readonly number[])[], rowNames: readonly string[], columnNames: readonly string[]): string {
  const n = columnNames.length;
  const cell = Math.max(6, Math.min(44, Math.floor(560 / Math.max(n, 1))));
  const label = (s: string): string => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
  const longest = Math.min(18, Math.max(1, ...rowNames.map((s) => s.length), ...columnNames.map((s) => s.length)));
  const left = 40 + longest * 7;
  const top = 20 + Math.ceil(longest * 6);
  const width = left + cell * n + 20;
  const height = top + cell * rowNames.length + 44;
  const showCounts = cell >= 18;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="confusion" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="confusion matrix">`);
  columnNames.forEach((name, c) => {
    const x = left + c * cell + cell / 2;
    parts.push(`<text transform="translate(${x.toFixed(1)},${top - 6}) rotate(-55)" class="tick">${esc(label(name))}<title>${esc(name)}</title></text>`);
  });
  matrix.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + r * cell;
    parts.push(`<text x="${left - 6}" y="${(y + cell / 2).toFixed(1)}" class="tick" text-anchor="end" dominant-baseline="middle">${esc(label(rowNames[r]!))}<title>${esc(rowNames[r]!)}</title></text>`);
    row.forEach((count, c) => {
      const share = total > 0 ? count / total : 0;
      const x = left + c * cell;
      const fill = r === c ? `rgba(22, 128, 60, ${(0.08 + 0.92 * share).toFixed(3)})` : `rgba(200, 40, 40, ${(share === 0 ? 0.03 : 0.15 + 0.85 * share).toFixed(3)})`;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"><title>true ${esc(rowNames[r]!)}, predicted ${esc(columnNames[c]!)}: ${count} of ${total}</title></rect>`);
      if (showCounts && count > 0) {
        parts.push(`<text x="${x + cell / 2}" y="${(y + cell / 2).toFixed(1)}" class="count${share > 0.55 ? ' light' : ''}" text-anchor="middle" dominant-baseline="middle">${count}</text>`);
      }
    });
  });
  const bottom = top + cell * rowNames.length;
  parts.push(`<text x="${left + (cell * n) / 2}" y="${bottom + 30}" class="tick" text-anchor="middle">predicted class</text>`);
  parts.push(`<text transform="translate(14,${top + (cell * rowNames.length) / 2}) rotate(-90)" class="tick" text-anchor="middle">true class</text>`);
  parts.push('</svg>');
  return parts.join('');
}
