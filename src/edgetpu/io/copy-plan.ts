/**
 * A relayout precomputed as a list of byte runs, (source offset, destination offset,
 * length) triples, checked once against both buffer sizes. Running it per inference
 * allocates nothing and cannot read or write out of range.
 */
export interface CopyPlan {
  readonly runs: Int32Array;
  readonly sourceBytes: number;
  readonly destBytes: number;
}

export class CopyPlanBuilder {
  private runs: number[] = [];

  add(source: number, dest: number, length: number): void {
    const n = this.runs.length;
    // Merge with the previous run when both sides continue it (the common, padding-free case).
    if (n > 0 && this.runs[n - 3]! + this.runs[n - 1]! === source && this.runs[n - 2]! + this.runs[n - 1]! === dest) {
      this.runs[n - 1]! += length;
      return;
    }
    if (length > 0) this.runs.push(source, dest, length);
  }

  /** Returns null when some run falls outside the buffers (the caller reports why). */
  build(sourceBytes: number, destBytes: number): CopyPlan | null {
    const r = this.runs;
    for (let i = 0; i < r.length; i += 3) {
      const [s, d, n] = [r[i]!, r[i + 1]!, r[i + 2]!];
      if (s < 0 || d < 0 || s + n > sourceBytes || d + n > destBytes) return null;
    }
    return { runs: Int32Array.from(r), sourceBytes, destBytes };
  }
}

export function applyCopyPlan(plan: CopyPlan, source: Uint8Array, dest: Uint8Array): void {
  const r = plan.runs;
  for (let i = 0; i < r.length; i += 3) {
    const s = r[i]!;
    const n = r[i + 2]!;
    if (n === 1) dest[r[i + 1]!] = source[s]!;
    else dest.set(source.subarray(s, s + n), r[i + 1]!);
  }
}
