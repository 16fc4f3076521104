/** Whether a code point lies in one of the sorted, disjoint [first, last] pairs of a flat table. */
export function inRanges(ranges: readonly number[], cp: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const first = ranges[2 * mid]!;
    const last = ranges[2 * mid + 1]!;
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}
