/**
 * Orders strings by Unicode code point, as Python's sorted() does, so class ids match
 * pycoral's sorted folder names. (JavaScript's default sort compares UTF-16 units, which
 * puts characters above U+FFFF before U+E000..U+FFFF.)
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
