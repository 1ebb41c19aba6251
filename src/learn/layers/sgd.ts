/** Plain SGD step, as Coral's SgdUpdate: param −= learningRate · grad, for each pair. */
export function sgdUpdate(params: readonly Float32Array[], grads: readonly Float32Array[], learningRate: number): void {
  if (params.length !== grads.length) throw new RangeError(`${params.length} parameter arrays but ${grads.length} gradient arrays`);
  params.forEach((p, k) => {
    const g = grads[k]!;
    if (g.length !== p.length) throw new RangeError(`parameter ${k} has ${p.length} values but its gradient has ${g.length}`);
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - learningRate * g[i]!;
  });
}
