// Conventions every command line here follows: --help / -h prints the usage and succeeds, and an
// unknown flag fails with the nearest valid one.

export function helpRequested(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Levenshtein distance: the number of single-character edits from a to b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length];
}

/** The valid name nearest to `given`, if one is near enough to be a likely typo. */
export function nearestName(given: string, valid: readonly string[]): string | null {
  const lower = given.toLowerCase();
  // a cut-short name (--train for --train-limit) is the likeliest meaning
  const extensions = valid.filter(
    (name) => lower.replace(/^-+/, '').length >= 3 && name.toLowerCase().startsWith(lower),
  );
  if (extensions.length) return extensions.sort((a, b) => a.length - b.length)[0];
  let best: { name: string; distance: number } | null = null;
  for (const name of valid) {
    const distance = editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return null;
  return best.distance <= Math.max(2, Math.floor(given.length / 3)) ? best.name : null;
}

/** "unknown option --lamda-rank (did you mean --lambda-rank?)" */
export function unknownOption(flag: string, validFlags: readonly string[]): Error {
  const nearest = nearestName(flag, validFlags);
  return new Error(`unknown option ${flag}${nearest ? ` (did you mean ${nearest}?)` : ''}`);
}

/** kebab-case (a flag without its dashes) to camelCase, the knob's name: flagOf's inverse. */
export const knobOf = (flag: string) =>
  flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** camelCase to --kebab-case, as knobs appear on the command line. */
export const flagOf = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
