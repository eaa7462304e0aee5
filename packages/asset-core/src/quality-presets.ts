/** The quality levels an export can ask for. */
export const qualityLevels = ['low', 'medium', 'high'] as const;
export type QualityLevel = (typeof qualityLevels)[number];

export interface QualityPreset {
  /** Triangles in the whole composed avatar (base and parts), counted once per mesh. */
  maxTriangles: number;
  /** Longest side of any texture, in pixels; larger ones are scaled down, keeping their aspect ratio. */
  maxTextureSize: number;
}

/**
 * Budgets for a whole avatar, not one asset:
 * - low: 2,500 triangles, 512 px. Previews, crowds, low-end phones.
 * - medium: 10,000 triangles, 1024 px. The default; one avatar in a web page on any device.
 * - high: 50,000 triangles, 2048 px. Close-ups and offline tools; most avatars pass untouched.
 * A budget is a ceiling: an avatar under it is never simplified, and nothing is ever scaled up.
 */
export const QUALITY_PRESETS: Readonly<Record<QualityLevel, Readonly<QualityPreset>>> = Object.freeze({
  low: Object.freeze({ maxTriangles: 2_500, maxTextureSize: 512 }),
  medium: Object.freeze({ maxTriangles: 10_000, maxTextureSize: 1_024 }),
  high: Object.freeze({ maxTriangles: 50_000, maxTextureSize: 2_048 }),
});
