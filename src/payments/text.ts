/** Characters as a person counts them (Unicode code points, not UTF-16 units): "ação" is 4. */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
