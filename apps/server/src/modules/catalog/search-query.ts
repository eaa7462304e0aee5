/**
 * Turns what a person typed into a prefix tsquery ("kni boo" -> "kni:* & boo:*"). Only letters and digits
 * survive, so quotes, operators and SQL-looking text are plain words, never syntax. Written by hand:
 * PostgreSQL's websearch_to_tsquery has no prefix matching.
 */
export function toTsQuery(input: string, maxTerms = 8): string | null {
  const terms = input
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, maxTerms)
    .map((t) => `${t.slice(0, 64)}:*`);
  return terms.length ? terms.join(' & ') : null;
}
