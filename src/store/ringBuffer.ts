// Bounded history for live charts: when full, every other point is dropped, so a long run keeps
// its whole shape at half the resolution instead of only its recent tail.

export function appendBounded<T>(
  history: readonly T[],
  points: readonly T[],
  capacity: number,
): T[] {
  let next = history.concat(points);
  while (next.length > capacity) next = next.filter((_, i) => i % 2 === 1 || i === next.length - 1);
  return next;
}
