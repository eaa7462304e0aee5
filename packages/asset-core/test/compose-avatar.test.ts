import type { Document, Node } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import {
  buildFallbackAvatar,
  composeAvatar,
  inspectAsset,
  readGlb,
  toGlb,
  validateGlb,
} from '../src/index.ts';
import { type FixtureName, readFixture } from './fixtures.ts';

const read = (name: FixtureName) => readGlb(readFixture(name));
const nodeNamed = (doc: Document, name: string) =>
  doc
    .getRoot()
    .listNodes()
    .find((n) => n.getName() === name);

async function expectValid(doc: Document) {
  const glb = await toGlb(doc);
  const report = await validateGlb(glb);
  expect(report.errors).toEqual([]);
  return { glb, report };
}

function worldPosition(node: Node) {
  const m = node.getWorldMatrix();
  return [m[12], m[13], m[14]];
}

describe('composeAvatar at sockets', () => {
  it('hangs parts from RobotExpressive’s Head bone and right hand, and validates', async () => {
    const robot = await read('RobotExpressive');
    const report = await composeAvatar(robot, {
      parts: [
        { slot: 'hair', document: await read('Box'), socket: { role: 'head' } },
        { slot: 'accessory', document: await read('chr_knight'), socket: { role: 'hand', side: 'right' } },
        { slot: 'top', document: await read('Box'), socket: [{ role: 'chest' }, 'Torso'] },
      ],
    });
    expect(report.parts).toEqual([
      { slot: 'hair', attachment: 'socket', socket: 'Head' },
      { slot: 'accessory', attachment: 'socket', socket: 'HandR' },
      { slot: 'top', attachment: 'socket', socket: 'Torso' },
    ]);
    const hair = nodeNamed(robot, 'hair')!;
    expect(hair.getParentNode()?.getName()).toBe('Head');
    // The part's origin sits on the socket, in world axes and units.
    const head = nodeNamed(robot, 'Head')!;
    const [x, y, z] = worldPosition(head);
    expect(worldPosition(hair)).toEqual([
      expect.closeTo(x!, 4),
      expect.closeTo(y!, 4),
      expect.closeTo(z!, 4),
    ]);
    const scale = hair.getWorldMatrix().slice(0, 3);
    expect(Math.hypot(...scale)).toBeCloseTo(1, 4);

    const { report: validation } = await expectValid(robot);
    expect(validation.stats).toMatchObject({ triangles: 3237 + 12 + 1460 + 12, skins: 4, animations: 14 });
    expect(robot.getRoot().listScenes()).toHaveLength(1);
    expect(robot.getRoot().listBuffers()).toHaveLength(1);
  });

  it('leaves the part documents as they were, so one part serves many avatars', async () => {
    const knight = await read('chr_knight');
    const before = knight.getRoot().listNodes().length;
    await composeAvatar(await read('Fox'), { parts: [{ slot: 'hair', document: knight, socket: 'b_Head' }] });
    await composeAvatar(await read('RobotExpressive'), { parts: [{ slot: 'hair', document: knight }] });
    expect(knight.getRoot().listNodes()).toHaveLength(before);
    expect(knight.getRoot().listScenes()[0]!.listChildren()).toHaveLength(1);
  });

  it('puts a part at the scene root when the socket is missing or none is asked for', async () => {
    const fox = await read('Fox');
    const report = await composeAvatar(fox, {
      parts: [
        { slot: 'hair', document: await read('Box'), socket: 'NoSuchBone' },
        { slot: 'shoes', document: await read('Box') },
      ],
    });
    expect(report.parts.map((p) => [p.attachment, p.socket])).toEqual([
      ['root', null],
      ['root', null],
    ]);
    const scene = fox.getRoot().getDefaultScene()!;
    expect(scene.listChildren().map((n) => n.getName())).toEqual(expect.arrayContaining(['hair', 'shoes']));
    await expectValid(fox);
  });
});

describe('composeAvatar on a shared skeleton', () => {
  it('binds a part skinned to joints named as Fox’s to Fox’s own joints', async () => {
    const fox = await read('Fox');
    const baseJoints = new Set(fox.getRoot().listSkins()[0]!.listJoints());
    const report = await composeAvatar(fox, { parts: [{ slot: 'top', document: await read('Fox') }] });
    expect(report.parts).toEqual([{ slot: 'top', attachment: 'skeleton', socket: null }]);

    const skins = fox.getRoot().listSkins();
    expect(skins).toHaveLength(2);
    for (const skin of skins) {
      expect(skin.listJoints()).toHaveLength(23);
      for (const joint of skin.listJoints()) expect(baseJoints.has(joint)).toBe(true);
    }
    // The part's own 23 bones are gone: one skeleton drives both meshes.
    const names = fox
      .getRoot()
      .listNodes()
      .map((n) => n.getName());
    expect(names.filter((n) => n === 'b_Head')).toHaveLength(1);
    const skinned = fox
      .getRoot()
      .listNodes()
      .filter((n) => n.getSkin());
    expect(skinned.map((n) => n.getParentNode()?.getName() ?? null)).toEqual(['Armature', null]);

    const { glb, report: validation } = await expectValid(fox);
    expect(validation.stats).toMatchObject({ triangles: 2 * 3552, skins: 2, maxJoints: 23, animations: 1 });
    const metadata = await inspectAsset(glb);
    expect(metadata.skins.map((s) => s.jointNames)).toEqual([
      metadata.skins[0]!.jointNames,
      metadata.skins[0]!.jointNames,
    ]);
  });

  it('hangs a skinned part whose joints do not match at a socket instead', async () => {
    const robot = await read('RobotExpressive');
    const report = await composeAvatar(robot, {
      parts: [{ slot: 'accessory', document: await read('Fox'), socket: { role: 'head' } }],
    });
    expect(report.parts[0]).toMatchObject({ attachment: 'socket', socket: 'Head' });
    await expectValid(robot);
  });
});

describe('composeAvatar colours and morphs', () => {
  it('colours materials by name and sets morph weights by target name', async () => {
    const robot = await read('RobotExpressive');
    const report = await composeAvatar(robot, {
      colors: { Main: '#ff0000', Nope: '#00ff00' },
      morphs: { Angry: 0.75, Sad: 2, Smile: 1 },
    });
    expect(report.colors).toEqual({ applied: ['Main'], unmatched: ['Nope'] });
    expect(report.morphs).toEqual({ applied: ['Angry', 'Sad'], unmatched: ['Smile'] });

    const { glb } = await expectValid(robot);
    const back = await readGlb(glb);
    const main = back
      .getRoot()
      .listMaterials()
      .find((m) => m.getName() === 'Main')!;
    expect(main.getBaseColorFactor().slice(0, 3)).toEqual([1, 0, 0]);
    const morphed = back
      .getRoot()
      .listMeshes()
      .filter((m) => m.getWeights().length > 0);
    expect(morphed.length).toBeGreaterThan(0);
    for (const mesh of morphed) expect(mesh.getWeights()).toEqual([0.75, 0, 1]); // Angry, Surprised, Sad
  });

  it('converts sRGB hex to linear factors', async () => {
    const doc = buildFallbackAvatar();
    await composeAvatar(doc, { colors: { Body: '#808080' } });
    const body = doc
      .getRoot()
      .listMaterials()
      .find((m) => m.getName() === 'Body')!;
    expect(body.getBaseColorFactor()[0]).toBeCloseTo(0.2158, 3);
  });
});

describe('buildFallbackAvatar', () => {
  it('is a valid GLB with sockets for every slot', async () => {
    const { glb, report } = await expectValid(buildFallbackAvatar());
    expect(report.warnings).toEqual([]);
    const metadata = await inspectAsset(glb);
    expect(metadata.materials.map((m) => m.name)).toEqual(['Body', 'Skin']);
    const roles = metadata.sockets.map((s) => `${s.role}:${s.side ?? ''}`);
    for (const role of [
      'head:',
      'neck:',
      'chest:',
      'hips:',
      'hand:left',
      'hand:right',
      'foot:left',
      'foot:right',
    ]) {
      expect(roles).toContain(role);
    }
    expect(metadata.bounds!.min[1]).toBeCloseTo(0.02, 2);
    expect(metadata.bounds!.max[1]).toBeCloseTo(1.74, 2);
    expect(metadata.geometry.triangles).toBeGreaterThan(500);
  });

  it('takes parts like any base model', async () => {
    const doc = buildFallbackAvatar();
    const report = await composeAvatar(doc, {
      parts: [{ slot: 'hair', document: await read('Box'), socket: { role: 'head' } }],
    });
    expect(report.parts[0]).toMatchObject({ attachment: 'socket', socket: 'Head' });
    await expectValid(doc);
  });
});
