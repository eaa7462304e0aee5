import { Document, Logger, WebIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { quantize } from '@gltf-transform/functions';
import { describe, expect, it } from 'vitest';
import {
  AssetCoreError,
  type AssetCoreErrorCode,
  type AssetMetadata,
  inspectAsset,
  sniffAsset,
} from '../src/index.ts';
import { PrimitiveMode } from '../src/primitive-mode.ts';
import { buildGlb, type FixtureName, jsonOf, noise, rawGlb, readFixture } from './fixtures.ts';

describe('inspectAsset on real assets', () => {
  it('describes Box', async () => {
    const box = await inspectAsset(readFixture('Box'));
    expect(box.generator).toBe('COLLADA2GLTF');
    expect(box.counts).toMatchObject({ scenes: 1, meshes: 1, primitives: 1, materials: 1, skins: 0 });
    expect(box.geometry).toEqual({
      vertices: 24,
      triangles: 12,
      trianglesByMode: { triangles: 12, strips: 0, fans: 0 },
      points: 0,
      lines: 0,
    });
    const bounds = box.bounds!;
    for (let i = 0; i < 3; i++) {
      expect(bounds.min[i]).toBeCloseTo(-0.5);
      expect(bounds.max[i]).toBeCloseTo(0.5);
      expect(bounds.size[i]).toBeCloseTo(1);
      expect(bounds.center[i]).toBeCloseTo(0);
    }
    expect(box.sockets).toEqual([]); // its nodes are unnamed
  });

  it('describes Fox: one skin of 23 joints, one animation, a head bone', async () => {
    const fox = await inspectAsset(readFixture('Fox'));
    expect(fox.counts).toMatchObject({ meshes: 5, skins: 1, animations: 1, nodes: 29 });
    expect(fox.geometry.triangles).toBe(3552);
    expect(fox.skins).toHaveLength(1);
    expect(fox.skins[0]!.jointCount).toBe(23);
    expect(fox.skins[0]!.jointNames).toContain('b_Head');
    expect(fox.animations).toEqual([
      expect.objectContaining({ name: 'Armature|Take 001|BaseLayer', channelCount: 69 }),
    ]);
    expect(fox.animations[0]!.start).toBeCloseTo(0.04);
    expect(fox.animations[0]!.end).toBeCloseTo(15.96);
    expect(fox.animations[0]!.duration).toBeCloseTo(15.92);
    expect(fox.sockets[0]).toEqual({ name: 'b_Head', kind: 'joint', role: 'head', side: null });
    expect(fox.sockets).toContainEqual({ name: 'b_LeftHand', kind: 'joint', role: 'hand', side: 'left' });
    expect(fox.sockets).toContainEqual({ name: 'b_RightFoot01', kind: 'joint', role: 'foot', side: 'right' });
    expect(fox.sockets.map((s) => s.name)).not.toContain('fox1'); // a mesh node
  });

  it('describes RobotExpressive: 19 meshes, 4 skins, 14 animations, named morph targets', async () => {
    const robot = await inspectAsset(readFixture('RobotExpressive'));
    expect(robot.generator).toBe('THREE.GLTFExporter');
    expect(robot.counts).toMatchObject({
      meshes: 19,
      skins: 4,
      animations: 14,
      materials: 3,
      morphedMeshes: 3,
    });
    expect(robot.animations.map((a) => a.name)).toEqual([
      'Dance',
      'Death',
      'Idle',
      'Jump',
      'No',
      'Punch',
      'Running',
      'Sitting',
      'Standing',
      'ThumbsUp',
      'Walking',
      'WalkJump',
      'Wave',
      'Yes',
    ]);
    expect(robot.morphTargets).toHaveLength(3);
    for (const morph of robot.morphTargets) {
      expect(morph).toMatchObject({ count: 3, names: ['Angry', 'Surprised', 'Sad'] });
    }
    // The Head joint, not the Head_1 empty above the head meshes, is the head socket.
    expect(robot.sockets[0]).toEqual({ name: 'Head', kind: 'joint', role: 'head', side: null });
    expect(robot.sockets).toContainEqual({ name: 'HandL', kind: 'node', role: 'hand', side: 'left' });
    expect(robot.sockets).toContainEqual({ name: 'FootR', kind: 'joint', role: 'foot', side: 'right' });
    expect(robot.sockets.find((s) => s.name === 'Head_1')?.role).toBeNull();
  });

  it('reads texture sizes from the image headers', async () => {
    const cesium = await inspectAsset(readFixture('CesiumMan'));
    expect(cesium.textures).toEqual([
      expect.objectContaining({ mimeType: 'image/jpeg', width: 1024, height: 1024 }),
    ]);
    expect(cesium.textures[0]!.byteLength).toBeGreaterThan(0);
    expect(cesium.geometry.triangles).toBe(4672);
    const knight = await inspectAsset(readFixture('chr_knight'));
    expect(knight.textures).toEqual([
      expect.objectContaining({ mimeType: 'image/png', width: 256, height: 1 }),
    ]);
  });

  it.each<FixtureName>(['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'])(
    'answers plain JSON for %s',
    async (name) => {
      const metadata: AssetMetadata = await inspectAsset(readFixture(name));
      expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
    },
  );

  it('caps every list but keeps the full counts', async () => {
    const robot = await inspectAsset(readFixture('RobotExpressive'), { maxListLength: 5 });
    expect(robot.counts.nodes).toBe(84);
    expect(robot.counts.animations).toBe(14);
    expect(robot.nodeNames).toHaveLength(5);
    expect(robot.sockets).toHaveLength(5);
    expect(robot.animations).toHaveLength(5);
    expect(robot.skins[0]!.jointNames).toHaveLength(5);
    expect(robot.skins[0]!.jointCount).toBe(43);
  });
});

describe('inspectAsset on built assets', () => {
  it('counts triangles per mode, and points and lines apart', async () => {
    const glb = await buildGlb({
      primitives: [
        { mode: PrimitiveMode.TRIANGLES, vertices: 9 },
        { mode: PrimitiveMode.TRIANGLE_STRIP, vertices: 5 },
        { mode: PrimitiveMode.TRIANGLE_FAN, vertices: 6 },
        { mode: PrimitiveMode.POINTS, vertices: 7 },
        { mode: PrimitiveMode.LINES, vertices: 4 },
        { mode: PrimitiveMode.LINE_STRIP, vertices: 4 },
        { mode: PrimitiveMode.LINE_LOOP, vertices: 4 },
      ],
    });
    const metadata = await inspectAsset(glb);
    expect(metadata.geometry).toEqual({
      vertices: 9 + 5 + 6 + 7 + 4 + 4 + 4,
      triangles: 3 + 3 + 4,
      trianglesByMode: { triangles: 3, strips: 3, fans: 4 },
      points: 7,
      lines: 2 + 3 + 4,
    });
  });

  it('has no bounds for a scene without geometry', async () => {
    const doc = new Document();
    doc.getRoot().setDefaultScene(doc.createScene().addChild(doc.createNode('empty')));
    const metadata = await inspectAsset(await new WebIO().writeBinary(doc));
    expect(metadata.bounds).toBeNull();
    expect(metadata.sockets).toEqual([{ name: 'empty', kind: 'node', role: null, side: null }]);
  });

  it('lists extensions as written, including ones glTF-Transform does not know', async () => {
    const glb = rawGlb({ asset: { version: '2.0' }, extensionsUsed: ['VRMC_vrm', 'KHR_materials_unlit'] });
    const metadata = await inspectAsset(glb);
    expect(metadata.extensionsUsed).toEqual(['VRMC_vrm', 'KHR_materials_unlit']);
    expect(metadata.extensionsRequired).toEqual([]);
    expect(metadata.generator).toBeNull();
  });

  it('reads input that does not start on a 4-byte boundary', async () => {
    const box = readFixture('Box');
    const backing = new Uint8Array(box.byteLength + 1);
    backing.set(box, 1);
    const metadata = await inspectAsset(backing.subarray(1));
    expect(metadata.geometry.triangles).toBe(12);
  });
});

describe('inspectAsset turns reader failures into AssetCoreError', () => {
  async function expectCode(bytes: Uint8Array, code: AssetCoreErrorCode) {
    const error = await inspectAsset(bytes).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AssetCoreError);
    expect(error).toMatchObject({ name: 'AssetCoreError', code });
    return error as AssetCoreError;
  }

  it('rejects random bytes, empty input and a truncated Fox.glb', async () => {
    await expectCode(noise(500), 'GLB_INVALID');
    await expectCode(new Uint8Array(0), 'GLB_INVALID');
    const truncated = await expectCode(readFixture('Fox').slice(0, 1000), 'GLB_INVALID');
    expect(truncated.message).toMatch(/truncated/);
  });

  it('rejects a broken JSON chunk', async () => {
    await expectCode(rawGlb('{"asset": nope}'), 'GLB_INVALID');
  });

  it('refuses to fetch external resources', async () => {
    const glb = rawGlb({ asset: { version: '2.0' }, images: [{ uri: 'https://example.com/skin.png' }] });
    await expectCode(glb, 'GLB_EXTERNAL_RESOURCE');
  });

  it('names a required extension it cannot read', async () => {
    const glb = rawGlb({
      asset: { version: '2.0' },
      extensionsUsed: ['VENDOR_teleport'],
      extensionsRequired: ['VENDOR_teleport'],
    });
    const error = await expectCode(glb, 'GLB_UNSUPPORTED_EXTENSION');
    expect(error.message).toContain('VENDOR_teleport');
  });

  it('asks for a Draco decoder when none was passed in', async () => {
    const error = await expectCode(dracoGlb(), 'GLB_DECODER_MISSING');
    expect(error.message).toContain('draco3d.decoder');
  });

  it("still answers an AssetCoreError for Draco behind a caller's own io", async () => {
    // The pre-check cannot see into a caller's io; glTF-Transform's bare TypeError gets wrapped instead.
    const io = new WebIO().registerExtensions(ALL_EXTENSIONS);
    const error = await inspectAsset(dracoGlb(), { io }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AssetCoreError', code: 'GLB_UNREADABLE' });
    expect((error as AssetCoreError).cause).toBeInstanceOf(TypeError);
  });

  it('asks for a meshopt decoder when meshopt is required, with or without our io', async () => {
    const glb = rawGlb({
      asset: { version: '2.0' },
      extensionsUsed: ['EXT_meshopt_compression'],
      extensionsRequired: ['EXT_meshopt_compression'],
    });
    await expectCode(glb, 'GLB_DECODER_MISSING');
    const io = new WebIO().registerExtensions(ALL_EXTENSIONS).setLogger(new Logger(Logger.Verbosity.SILENT));
    const error = await inspectAsset(glb, { io }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'GLB_DECODER_MISSING',
      message: expect.stringContaining('meshopt.decoder'),
    });
  });

  // Each of these made glTF-Transform 4.5.1 throw a bare TypeError.
  it.each([
    ['a missing buffer view', { bufferView: 3, count: 3, type: 'VEC3', componentType: 5126 }],
    ['a missing BIN chunk', { bufferView: 0, count: 3, type: 'VEC3', componentType: 5126 }],
  ])('wraps the reader crashing on an accessor over %s', async (_, accessor) => {
    const glb = rawGlb({
      asset: { version: '2.0' },
      buffers: [{ byteLength: 36 }],
      bufferViews: [{ buffer: 0, byteLength: 36 }],
      accessors: [accessor],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    });
    const error = await expectCode(glb, 'GLB_UNREADABLE');
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).not.toMatch(/undefined|reading/);
  });

  it('wraps the reader crashing on a node with a missing child', async () => {
    await expectCode(rawGlb({ asset: { version: '2.0' }, nodes: [{ children: [5] }] }), 'GLB_UNREADABLE');
  });
});

/** A GLB whose one primitive claims Draco compression; the payload is never decoded. */
function dracoGlb(): Uint8Array {
  return rawGlb(
    {
      asset: { version: '2.0' },
      extensionsUsed: ['KHR_draco_mesh_compression'],
      extensionsRequired: ['KHR_draco_mesh_compression'],
      buffers: [{ byteLength: 4 }],
      bufferViews: [{ buffer: 0, byteLength: 4 }],
      accessors: [{ count: 3, type: 'VEC3', componentType: 5126 }],
      meshes: [
        {
          primitives: [
            {
              attributes: { POSITION: 0 },
              extensions: { KHR_draco_mesh_compression: { bufferView: 0, attributes: { POSITION: 0 } } },
            },
          ],
        },
      ],
    },
    new Uint8Array(4),
  );
}

describe('inspectAsset from the JSON gives what glTF-Transform’s reader gives', () => {
  // With an `io` of its own, inspectAsset always builds a Document: the reference.
  const readerIO = () =>
    new WebIO().setLogger(new Logger(Logger.Verbosity.SILENT)).registerExtensions(ALL_EXTENSIONS);
  const fixtures: FixtureName[] = ['Box', 'CesiumMan', 'Fox', 'RobotExpressive', 'chr_knight'];

  it.each(fixtures)('%s', async (name) => {
    const bytes = readFixture(name);
    expect(await inspectAsset(bytes)).toStrictEqual(await inspectAsset(bytes, { io: readerIO() }));
  });

  it.each(fixtures)('%s, given the container the sniff read', async (name) => {
    const bytes = readFixture(name);
    const sniffed = sniffAsset(bytes);
    if (!sniffed.ok || !sniffed.container) throw new Error(`${name} did not sniff as a GLB`);
    expect(await inspectAsset(bytes, {}, sniffed.container)).toStrictEqual(await inspectAsset(bytes));
  });

  it.each([0, 1, 2.5, -1])('caps the lists as the reader path does, at %s', async (maxListLength) => {
    const bytes = readFixture('RobotExpressive');
    expect(await inspectAsset(bytes, { maxListLength })).toStrictEqual(
      await inspectAsset(bytes, { io: readerIO(), maxListLength }),
    );
  });

  it('with quantized (normalized integer) positions, rotations, matrices and a short list cap', async () => {
    const io = readerIO();
    const document = await io.readBinary(readFixture('RobotExpressive'));
    const nodes = document.getRoot().listNodes();
    nodes[1]?.setRotation([0.2, 0.3, 0.1, 0.927]).setScale([1, -2, 0.5]);
    nodes[2]?.setMatrix([0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 3, 4, 5, 1]);
    await document.transform(quantize({ quantizePosition: 12 }));
    const bytes = await io.writeBinary(document);
    expect(jsonOf(bytes).extensionsRequired).toContain('KHR_mesh_quantization');
    for (const maxListLength of [256, 3]) {
      expect(await inspectAsset(bytes, { maxListLength })).toStrictEqual(
        await inspectAsset(bytes, { io: readerIO(), maxListLength }),
      );
    }
  });
});
