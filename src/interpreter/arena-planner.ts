/**
 * Static memory planning for the tensors computed at run time: each lives from the operator
 * that first writes it to the operator that last reads it, and two tensors whose lifetimes
 * overlap must not share bytes. TFLite's greedy-by-size strategy: place the largest tensors
 * first, each at the lowest aligned offset that does not collide with an already placed tensor
 * alive at the same time.
 */

/** One tensor to place: `size` bytes alive for operators first..last (inclusive). */
export interface ArenaRequest {
  readonly tensor: number;
  readonly size: number;
  readonly first: number;
  readonly last: number;
}

export interface ArenaPlan {
  /** Byte offset of each requested tensor in the arena. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Total arena size (a multiple of the alignment). */
  readonly bytes: number;
}

export const ARENA_ALIGNMENT = 16;

export function alignUp(n: number, alignment = ARENA_ALIGNMENT): number {
  return Math.ceil(n / alignment) * alignment;
}

export function planArena(requests: readonly ArenaRequest[], alignment = ARENA_ALIGNMENT): ArenaPlan {
  const order = requests
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.size - a.r.size || a.r.first - b.r.first || a.i - b.i)
    .map((x) => x.r);
  const placed: Array<{ offset: number; end: number; first: number; last: number }> = [];
  const offsets = new Map<number, number>();
  let bytes = 0;
  for (const r of order) {
    const size = alignUp(r.size, alignment);
    const conflicts = placed
      .filter((p) => p.first <= r.last && r.first <= p.last)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + size <= c.offset) break; // fits in the gap before c
      offset = Math.max(offset, alignUp(c.end, alignment));
    }
    placed.push({ offset, end: offset + size, first: r.first, last: r.last });
    offsets.set(r.tensor, offset);
    bytes = Math.max(bytes, offset + size);
  }
  return { offsets, bytes };
}
