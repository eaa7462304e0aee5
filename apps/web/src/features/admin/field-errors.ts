import { AssetKey, AssetName, SemVer, Tag } from '@avatar/contracts';

interface Schema {
  safeParse: (value: unknown) => { success: boolean; error?: { issues: { message: string }[] } };
}

/** The contract's own message for a bad value, so the form says exactly what the server would. */
function firstIssue(schema: Schema, value: unknown): string | null {
  const result = schema.safeParse(value);
  return result.success ? null : (result.error?.issues[0]?.message ?? 'This value is not accepted');
}

export const nameError = (value: string) => firstIssue(AssetName, value);
export const keyError = (value: string) => firstIssue(AssetKey, value);
export const versionError = (value: string) => firstIssue(SemVer, value);
export const tagError = (value: string) => firstIssue(Tag, value);

/** "Knight Helmet v2.glb" → "knight-helmet-v2": a key suggestion, which the admin may change. */
export function keyFromFileName(fileName: string): string {
  return fileName
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9/]+/g, '-')
    .replace(/^[-/]+|[-/]+$/g, '')
    .slice(0, 120);
}

/** "knight_helmet-v2.glb" → "Knight helmet v2". */
export function nameFromFileName(fileName: string): string {
  const base = fileName
    .replace(/\.[^.]+$/, '')
    .replace(/[_-]+/g, ' ')
    .trim();
  return base ? base.charAt(0).toUpperCase() + base.slice(1) : 'Untitled asset';
}
