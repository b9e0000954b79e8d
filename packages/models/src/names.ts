// SPDX-License-Identifier: MIT
// "Did you mean" suggestions for unknown names (models, tags, override keys).

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `limit` candidates closest to `name`: substring matches first, then by edit distance. */
export function closeMatches(name: string, candidates: readonly string[], limit = 5): string[] {
  const query = name.toLowerCase();
  const scored = candidates.map((candidate) => {
    const lower = candidate.toLowerCase();
    const contains = lower.includes(query) || query.includes(lower);
    return { candidate, score: editDistance(query, lower) - (contains ? 100 : 0) };
  });
  const threshold = Math.max(3, Math.floor(query.length / 3));
  return scored
    .filter((s) => s.score <= threshold)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}

/** ` Did you mean: a, b?` or an empty string. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const matches = closeMatches(name, candidates);
  return matches.length > 0 ? ` Did you mean: ${matches.join(', ')}?` : '';
}
