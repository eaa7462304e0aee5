import { describe, expect, it } from 'vitest';
import { inspectAsset, makeQualityVariant, QUALITY_VARIANT_PRESETS, validateGlb } from '../src/index.ts';
import { type FixtureName, readFixture } from './fixtures.ts';
import { loadNodeEncoders } from './node-encoders.ts';
import { readDocument } from './pose.ts';

describe('makeQualityVariant', () => {
  it.each(['CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'] as FixtureName[])(
    'makes low and medium variants of %s: valid, fewer triangles, skins and morphs in place',
    async (name) => {
      const { simplifier, sharp } = await loadNodeEncoders();
      const original = readFixture(name);
      const before = await inspectAsset(original);
      let previous = before.geometry.triangles;
      for (const quality of ['medium', 'low'] as const) {
        const bytes = await makeQualityVariant(original, {
          simplifier,
          textureEncoder: sharp,
          ...QUALITY_VARIANT_PRESETS[quality],
        });
        expect((await validateGlb(bytes)).errors).toEqual([]);
        const after = await inspectAsset(bytes);
        // Plain geometry: exporters read it without decoders.
        expect(after.extensionsRequired).toEqual([]);
        expect(after.geometry.triangles).toBeLessThanOrEqual(previous);
        previous = after.geometry.triangles;
        const jointLists = (m: typeof before) => new Set(m.skins.map((s) => s.jointNames.join('|')));
        expect(jointLists(after)).toEqual(jointLists(before));
        expect(after.morphTargets).toEqual(before.morphTargets);
        expect(after.animations).toEqual(before.animations);
        expect(after.sockets).toEqual(before.sockets);
        const limit = QUALITY_VARIANT_PRESETS[quality].maxTextureSize;
        for (const texture of after.textures)
          expect(Math.max(texture.width!, texture.height!)).toBeLessThanOrEqual(limit);
      }
      expect(previous).toBeLessThan(before.geometry.triangles);
    },
  );

  it('keeps every skinned primitive skinned after simplification', async () => {
    const { simplifier } = await loadNodeEncoders();
    const bytes = await makeQualityVariant(readFixture('Fox'), {
      simplifier,
      ...QUALITY_VARIANT_PRESETS.low,
    });
    const document = await readDocument(bytes);
    const skinned = document
      .getRoot()
      .listNodes()
      .filter((node) => node.getSkin() && node.getMesh());
    expect(skinned.length).toBeGreaterThan(0);
    for (const node of skinned) {
      for (const primitive of node.getMesh()!.listPrimitives()) {
        const joints = primitive.getAttribute('JOINTS_0')!;
        const weights = primitive.getAttribute('WEIGHTS_0')!;
        expect(joints.getCount()).toBe(primitive.getAttribute('POSITION')!.getCount());
        const w: number[] = [];
        for (let i = 0; i < weights.getCount(); i++) {
          const sum = weights.getElement(i, w).reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - 1)).toBeLessThan(0.01);
        }
      }
    }
  });
});
