import type { Evaluation } from '../evaluation.js';
import type { SkippedImage } from '../image-stages.js';

/** Loss and accuracies recorded while training (backprop). */
export interface TrainingCurve {
  readonly iterations: readonly number[];
  readonly loss: readonly number[];
  readonly trainAccuracy: readonly number[];
  readonly valAccuracy?: readonly number[];
}

/** Everything the HTML report shows. */
export interface ReportData {
  readonly title: string;
  readonly commandLine: string;
  /** Rows of the summary table: [what, value]. */
  readonly summary: readonly (readonly [string, string])[];
  readonly classNames: readonly string[];
  /** Training images per class. */
  readonly trainCounts?: readonly number[];
  readonly training?: TrainingCurve;
  readonly evaluation?: Evaluation;
  readonly evaluatedOn?: 'model' | 'embeddings';
  readonly timings: readonly { readonly name: string; readonly seconds: number }[];
  readonly skipped: readonly SkippedImage[];
}
