import { Document, NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { inspectAsset, optimizeAsset, validateGlb } from '../src/index.ts';
import { type FixtureName, readFixture } from './fixtures.ts';
import { loadNodeEncoders } from './node-encoders.ts';
import { clipSpans, poseAt, poseDistance, readDocument } from './pose.ts';

const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];

async function optimized(name: FixtureName) {
  const encoders = await loadNodeEncoders();
  const original = readFixture(name);
  const output = await optimizeAsset(original, { encoder: encoders.encoder, textureEncoder: encoders.sharp });
  return { encoders, original, output };
}

describe('optimizeAsset', () => {
  it.each(fixtures)('turns %s into a smaller-or-tiny GLB the Khronos validator accepts', async (name) => {
    const { original, output } = await optimized(name);
    const report = await validateGlb(output);
    expect(report.errors).toEqual([]);
    // Tiny files may grow under compression (the caller keeps the original then); real ones shrink a lot.
    if (original.byteLength > 100_000) expect(output.byteLength).toBeLessThan(original.byteLength * 0.3);
  });

  it.each(fixtures)(
    'keeps what %s is made of: skins, joints, morph targets, clips, sockets',
    async (name) => {
      const { encoders, original, output } = await optimized(name);
      const before = await inspectAsset(original);
      const after = await inspectAsset(output, { dependencies: encoders.dependencies });
      expect(after.extensionsRequired).toEqual(
        expect.arrayContaining(before.counts.meshes ? ['EXT_meshopt_compression'] : []),
      );
      // Identical skins (the same joints and matrices) may merge; every original joint list survives.
      const jointLists = (m: typeof before) => new Set(m.skins.map((s) => s.jointNames.join('|')));
      expect(jointLists(after)).toEqual(jointLists(before));
      expect(after.morphTargets).toEqual(before.morphTargets);
      // Constant channels go (fewer channels), but every clip keeps its name, start and end.
      const clips = (m: typeof before) => m.animations.map(({ channelCount: _, ...clip }) => clip);
      expect(clips(after)).toEqual(clips(before));
      expect(after.sockets).toEqual(before.sockets);
      expect(after.counts.materials).toBe(before.counts.materials);
      // Only zero-area triangles go.
      expect(after.geometry.triangles).toBeLessThanOrEqual(before.geometry.triangles);
      // Bounds in the bind pose: glTF-Transform's getBounds reads skinned meshes through their node, which
      // skinning ignores, so they only compare on unskinned assets.
      if (before.counts.skins > 0) return;
      const size = Math.max(...before.bounds!.size);
      for (const axis of [0, 1, 2] as const) {
        expect(Math.abs(after.bounds!.min[axis] - before.bounds!.min[axis])).toBeLessThan(size * 1e-3);
        expect(Math.abs(after.bounds!.max[axis] - before.bounds!.max[axis])).toBeLessThan(size * 1e-3);
      }
    },
  );

  it.each(['Fox', 'RobotExpressive'] as const)('plays every clip of %s as before', async (name) => {
    const { encoders, original, output } = await optimized(name);
    const a = await readDocument(original);
    const b = await readDocument(output, encoders.dependencies);
    const spans = clipSpans(a);
    expect(clipSpans(b)).toEqual(spans);
    for (const [clip, [start, end]] of spans) {
      for (let i = 0; i <= 24; i++) {
        const time = start + ((end - start) * i) / 24;
        const distance = poseDistance(poseAt(a, clip, time), poseAt(b, clip, time));
        expect(distance.rotation, `${clip} at ${time}`).toBeLessThan(0.002); // radians (0.1°): 12-bit rotations
        expect(distance.translation, `${clip} at ${time}`).toBeLessThan(2e-3);
        expect(distance.scale, `${clip} at ${time}`).toBeLessThan(2e-3);
        expect(distance.weights, `${clip} at ${time}`).toBeLessThan(0.01);
      }
    }
  });

  it('drops the all-white vertex colors and zero-area triangles, which change nothing on screen', async () => {
    const knight = await optimized('chr_knight');
    const knightDoc = await readDocument(knight.output, knight.encoders.dependencies);
    const primitive = knightDoc.getRoot().listMeshes()[0]!.listPrimitives()[0]!;
    expect(primitive.getAttribute('COLOR_0')).toBeNull();

    const fox = await optimized('Fox');
    const foxDoc = await readDocument(fox.output, fox.encoders.dependencies);
    for (const mesh of foxDoc.getRoot().listMeshes()) {
      for (const prim of mesh.listPrimitives()) {
        const indices = prim.getIndices()!.getArray()!;
        for (let i = 0; i < indices.length; i += 3) {
          expect(new Set([indices[i], indices[i + 1], indices[i + 2]]).size).toBe(3);
        }
      }
    }
  });

  it('refuses bytes it cannot read with an AssetCoreError, not the reader’s exception', async () => {
    const { encoder } = await loadNodeEncoders();
    await expect(optimizeAsset(new Uint8Array([1, 2, 3]), { encoder })).rejects.toMatchObject({
      name: 'AssetCoreError',
      code: 'GLB_UNREADABLE',
    });
  });
});

describe('optimizeAsset on an asset without geometry', () => {
  it('keeps an animation-only clip whole and valid', async () => {
    const doc = new Document();
    const buffer = doc.createBuffer();
    const hips = doc.createNode('hips');
    doc.createScene().addChild(hips);
    const accessor = (array: Float32Array, type: 'SCALAR' | 'VEC3') =>
      doc.createAccessor().setArray(array).setType(type).setBuffer(buffer);
    const sampler = doc
      .createAnimationSampler()
      .setInput(accessor(new Float32Array([0, 1]), 'SCALAR'))
      .setOutput(accessor(new Float32Array([0, 0, 0, 0, 1, 0]), 'VEC3'));
    doc
      .createAnimation('walk')
      .addSampler(sampler)
      .addChannel(
        doc.createAnimationChannel().setTargetNode(hips).setTargetPath('translation').setSampler(sampler),
      );
    const original = await new NodeIO().writeBinary(doc);
    const encoders = await loadNodeEncoders();

    const output = await optimizeAsset(original, {
      encoder: encoders.encoder,
      textureEncoder: encoders.sharp,
    });

    expect((await validateGlb(output)).errors).toEqual([]);
    const after = await inspectAsset(output, { dependencies: encoders.dependencies });
    expect(after.animations.map((a) => [a.name, a.duration])).toEqual([['walk', 1]]);
  });
});
