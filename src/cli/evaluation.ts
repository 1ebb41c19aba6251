import { table } from './format.js';

/** One scored image: its true class and the model's best ids. */
export interface Prediction {
  readonly path: string;
  /** True class index (into classNames). */
  readonly label: number;
  /** The model's best ids, best first, with their scores (at least 5 when the model has them). */
  readonly top: readonly { readonly id: number; readonly score: number }[];
}

export interface ClassAccuracy {
  readonly name: string;
  readonly images: number;
  readonly correct: number;
  /** NaN for a class without test images. */
  readonly accuracy: number;
}

export interface Misclassified {
  readonly path: string;
  readonly label: number;
  /** Predicted class index, or -1 for an id outside the classes (a kept base class). */
  readonly predicted: number;
  readonly predictedId: number;
  readonly score: number;
}

export interface Evaluation {
  readonly classNames: readonly string[];
  readonly images: number;
  /** Top-1 .. top-5 accuracy, as fractions. */
  readonly topK: readonly number[];
  /**
   * confusion[t][p]: test images of class t predicted as class p. When some prediction is
   * outside the classes (a base class kept with --keep-classes), each row has one more
   * column, `other`, at index classNames.length.
   */
  readonly confusion: readonly (readonly number[])[];
  readonly other: boolean;
  readonly perClass: readonly ClassAccuracy[];
  readonly misclassified: readonly Misclassified[];
  readonly predictions: readonly Prediction[];
}

export const TOP_K = 5;

/**
 * Scores predictions: class index c is model id firstId + c. Top-k counts an image when its
 * class's id is among the k best ids (pycoral's evaluation: ids of other classes never count).
 */
export function evaluate(classNames: readonly string[], predictions: readonly Prediction[], firstId = 0): Evaluation {
  const n = classNames.length;
  const classOf = (id: number): number => (id - firstId >= 0 && id - firstId < n ? id - firstId : -1);
  const hits = new Array<number>(TOP_K).fill(0);
  const confusion = classNames.map(() => new Array<number>(n + 1).fill(0));
  const misclassified: Misclassified[] = [];
  for (const p of predictions) {
    const rank = p.top.slice(0, TOP_K).findIndex((t) => classOf(t.id) === p.label);
    for (let k = Math.max(rank, 0); rank >= 0 && k < TOP_K; k++) hits[k]!++;
    const best = p.top[0]!;
    const predicted = classOf(best.id);
    confusion[p.label]![predicted === -1 ? n : predicted]!++;
    if (predicted !== p.label) misclassified.push({ path: p.path, label: p.label, predicted, predictedId: best.id, score: best.score });
  }
  const other = confusion.some((row) => row[n]! > 0);
  const perClass = classNames.map((name, c) => {
    const images = confusion[c]!.reduce((a, b) => a + b, 0);
    const correct = confusion[c]![c]!;
    return { name, images, correct, accuracy: images > 0 ? correct / images : Number.NaN };
  });
  const total = predictions.length;
  return {
    classNames,
    images: total,
    topK: hits.map((h) => (total > 0 ? h / total : Number.NaN)),
    confusion: other ? confusion : confusion.map((row) => row.slice(0, n)),
    other,
    perClass,
    misclassified,
    predictions,
  };
}

export function percent(x: number): string {
  return Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

/** Accuracy, per-class accuracy and the confusion matrix as text. */
export function formatEvaluation(e: Evaluation): string {
  const lines = [`test images: ${e.images}`];
  lines.push(e.topK.map((a, k) => `top-${k + 1} ${percent(a)}`).join('  '));
  lines.push('', 'per class:');
  lines.push(table(e.perClass.map((c, i) => [`  ${i}`, c.name, `${c.correct}/${c.images}`, percent(c.accuracy)])));
  lines.push('', 'confusion matrix (rows: true class, columns: predicted class):');
  const header = ['', ...e.classNames.map((_, i) => String(i)), ...(e.other ? ['other'] : [])];
  const rows = e.confusion.map((row, i) => [`  ${i} ${e.classNames[i]}`, ...row.map(String)]);
  lines.push(rightAligned([header, ...rows]));
  return lines.join('\n');
}

/** First column left-aligned, the others right-aligned. */
function rightAligned(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The evaluation as JSON (without the per-image predictions). */
export function evaluationJson(e: Evaluation): Record<string, unknown> {
  return {
    images: e.images,
    topK: e.topK,
    perClass: e.perClass.map((c) => ({ ...c, accuracy: Number.isNaN(c.accuracy) ? null : c.accuracy })),
    confusion: e.confusion,
    confusionColumns: [...e.classNames, ...(e.other ? ['other'] : [])],
    misclassified: e.misclassified.map((m) => ({ image: m.path, label: e.classNames[m.label], predictedId: m.predictedId, predicted: m.predicted >= 0 ? e.classNames[m.predicted] : null, score: m.score })),
  };
}
