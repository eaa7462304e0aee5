/** MAJOR.MINOR.PATCH only (the catalog's versions); small enough that a library would be overkill. */
export type Version = [number, number, number];

export function parseVersion(text: string): Version {
  const parts = text.split('.').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`not a version: ${text}`);
  return parts as Version;
}

export const formatVersion = (v: Version): string => v.join('.');

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

export function bumpVersion([major, minor, patch]: Version, bump: 'major' | 'minor' | 'patch'): Version {
  if (bump === 'major') return [major + 1, 0, 0];
  if (bump === 'minor') return [major, minor + 1, 0];
  return [major, minor, patch + 1];
}
