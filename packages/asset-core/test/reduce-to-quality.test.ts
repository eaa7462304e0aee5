import type { Document } from '@gltf-transform/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeAvatar,
  inspectAsset,
  QUALITY_PRESETS,
  type QualityLevel,
  readGlb,
  reduceToQuality,
  toGlb,
  validateGlb,
} from '../src/index.ts';
import { loadSimplifier } from './encoders.ts';
import { type FixtureName, readFixture } from './fixtures.ts';

let simplifier: unknown;
beforeAll(async () => {
  simplifier = await loadSimplifier();
});

const read = (name: FixtureName) => readGlb(readFixture(name));

/** RobotExpressive with hair, a top and an accessory: 4,721 triangles. */
async function robotWithParts(): Promise<Document> {
  const robot = await read('RobotExpressive');
  await composeAvatar(robot, {
    parts: [
      { slot: 'hair', document: await read('Box'), socket: { role: 'head' } },
      { slot: 'top', document: await read('chr_knight'), socket: { role: 'chest' } },
      { slot: 'accessory', document: await read('Box'), socket: { role: 'hand', side: 'left' } },
    ],
  });
  return robot;
}

describe('reduceToQuality', () => {
  it('documents its presets', () => {
    expect(QUALITY_PRESETS).toEqual({
      low: { maxTriangles: 2_500, maxTextureSize: 512 },
      medium: { maxTriangles: 10_000, maxTextureSize: 1_024 },
      high: { maxTriangles: 50_000, maxTextureSize: 2_048 },
    });
  });

  it.each<[QualityLevel, number, number]>([
    ['low', 1_500, 2_500],
    ['medium', 4_721, 4_721],
    ['high', 4_721, 4_721],
  ])('brings a composed avatar to %s: %i..%i triangles, still valid', async (quality, min, max) => {
    const doc = await robotWithParts();
    const report = await reduceToQuality(doc, { ...QUALITY_PRESETS[quality], simplifier });
    expect(report.trianglesBefore).toBe(4_721);
    expect(report.trianglesAfter).toBeGreaterThanOrEqual(min);
    expect(report.trianglesAfter).toBeLessThanOrEqual(max);
    expect(report.withinBudget).toBe(true);
    expect(report.simplified).toBe(quality === 'low');

    const glb = await toGlb(doc);
    const validation = await validateGlb(glb);
    expect(validation.errors).toEqual([]);
    expect(validation.stats?.triangles).toBe(report.trianglesAfter);
    // Skins, animations and morph targets survive simplification.
    expect(validation.stats).toMatchObject({ skins: 4, animations: 14, maxMorphTargets: 3 });
  });

  it('scales textures down to the preset, never up', async () => {
    const low = await read('CesiumMan');
    const lowReport = await reduceToQuality(low, { ...QUALITY_PRESETS.low, simplifier });
    expect(lowReport.texturesResized).toBe(1);
    const lowMeta = await inspectAsset(await toGlb(low));
    expect(lowMeta.textures[0]).toMatchObject({ width: 512, height: 512, mimeType: 'image/jpeg' });

    const medium = await read('CesiumMan');
    const mediumReport = await reduceToQuality(medium, { ...QUALITY_PRESETS.medium, simplifier });
    expect(mediumReport).toMatchObject({ texturesResized: 0, simplified: false, trianglesAfter: 4_672 });
    const mediumMeta = await inspectAsset(await toGlb(medium));
    expect(mediumMeta.textures[0]).toMatchObject({ width: 1024, height: 1024 });
  });

  it('refuses to pretend: over budget without a simplifier is an error', async () => {
    const doc = await read('Fox');
    await expect(reduceToQuality(doc, QUALITY_PRESETS.low)).rejects.toThrow(/no simplifier/);
  });

  it('does nothing to an avatar within the preset', async () => {
    const doc = await read('Box');
    const before = await toGlb(doc);
    const report = await reduceToQuality(doc, QUALITY_PRESETS.low);
    expect(report).toMatchObject({ simplified: false, texturesResized: 0, trianglesAfter: 12 });
    expect(await toGlb(doc)).toEqual(before);
  });
});
