/**
 * Divides `v` by its L2 norm in place and returns the norm, as libcoral's L2Normalize:
 * the sum of squares is accumulated in float32, and a norm of 1e-5 or less leaves the
 * vector unchanged (a zero vector stays zero instead of becoming NaN).
 */
export function l2NormalizeInPlace(v: Float32Array): number {
  const f32 = Math.fround;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum = f32(sum + f32(v[i]! * v[i]!));
  const norm = f32(Math.sqrt(sum));
  if (Math.abs(norm) > 1e-5) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return norm;
}
