import { writeFileAtomic } from '../../util/atomic-write.js';
import { writeError } from '../command-error.js';
import { MAX_THUMBNAILS, renderReport } from './render.js';
import type { ReportData } from './report-data.js';
import { thumbnailDataUri } from './thumbnails.js';

export type { ReportData, TrainingCurve } from './report-data.js';

/** Writes the HTML report (one self-contained page) atomically. */
export async function writeHtmlReport(path: string, data: ReportData, created = new Date()): Promise<void> {
  const thumbnails = new Map<string, string>();
  for (const m of data.evaluation?.misclassified.slice(0, MAX_THUMBNAILS) ?? []) {
    const uri = await thumbnailDataUri(m.path);
    if (uri) thumbnails.set(m.path, uri);
  }
  await writeFileAtomic(path, renderReport(data, thumbnails, created)).catch((e: unknown) => {
    throw writeError(path, e);
  });
}
