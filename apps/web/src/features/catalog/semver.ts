/** Plain MAJOR.MINOR.PATCH, as the catalog stores versions (no pre-release part). */
export type Version = readonly [major: number, minor: number, patch: number];
export type Bump = 'major' | 'minor' | 'patch';

export function parseVersion(text: string): Version | null {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

export function formatVersion([major, minor, patch]: Version): string {
  return `${major}.${minor}.${patch}`;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function bumpVersion([major, minor, patch]: Version, bump: Bump): Version {
  if (bump === 'major') return [major + 1, 0, 0];
  if (bump === 'minor') return [major, minor + 1, 0];
  return [major, minor, patch + 1];
}

/**
 * The version a new release of a key gets: the bump applied to the highest existing version (whatever
 * its status), because the server refuses anything not newer than that.
 */
export function nextVersion(existing: readonly string[], bump: Bump): string {
  const parsed = existing.map(parseVersion).filter((v): v is Version => v !== null);
  const highest = parsed.sort(compareVersions).at(-1);
  return highest ? formatVersion(bumpVersion(highest, bump)) : '1.0.0';
}
