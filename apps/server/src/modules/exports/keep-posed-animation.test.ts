import { readFileSync } from 'node:fs';
import { readGlb, toGlb, validateGlb } from '@avatar/asset-core';
import type { Document } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import { keepPosedAnimation } from './keep-posed-animation.ts';

const load = (name: string) => readGlb(new Uint8Array(readFileSync(new URL(`${name}.glb`, FIXTURES))));

/** Everything but the animations, as counts: what a still image is drawn from. */
function drawn(document: Document) {
  const root = document.getRoot();
  return {
    nodes: root.listNodes().map((n) => [n.getName(), ...n.getTranslation(), ...n.getRotation()]),
    meshes: root.listMeshes().length,
    skins: root.listSkins().map((s) => s.listJoints().length),
    primitiveAccessors: root
      .listMeshes()
      .flatMap((m) => m.listPrimitives())
      .map((p) => p.getAttribute('POSITION')?.getCount()),
  };
}

describe('keepPosedAnimation', () => {
  it('removes every animation and its keyframes without a pose, leaving what is drawn alone', async () => {
    const fox = await load('Fox');
    const before = drawn(fox);
    const accessorsBefore = fox.getRoot().listAccessors().length;
    const glbBefore = await toGlb(fox);

    expect(keepPosedAnimation(fox)).toEqual({ removed: 1 });

    expect(fox.getRoot().listAnimations()).toEqual([]);
    expect(drawn(fox)).toEqual(before);
    // The keyframe accessors went with the clip: the file shrinks, and it is still a valid glTF.
    expect(fox.getRoot().listAccessors().length).toBeLessThan(accessorsBefore);
    const glb = await toGlb(fox);
    expect(glb.byteLength).toBeLessThan(glbBefore.byteLength / 2);
    expect((await validateGlb(glb)).valid).toBe(true);
  });

  it('keeps only the posed clip, found by name whatever its case, with all its keyframes', async () => {
    const robot = await load('RobotExpressive');
    const dance = robot
      .getRoot()
      .listAnimations()
      .find((a) => a.getName() === 'Dance')!;
    const channels = dance.listChannels().length;

    expect(keepPosedAnimation(robot, { animation: 'dance' })).toEqual({ removed: 13 });

    const [kept, ...others] = robot.getRoot().listAnimations();
    expect(others).toEqual([]);
    expect(kept?.getName()).toBe('Dance');
    expect(kept?.listChannels().length).toBe(channels);
    expect(kept?.listSamplers().every((s) => s.getInput() && s.getOutput())).toBe(true);
    expect((await validateGlb(await toGlb(robot))).valid).toBe(true);
  });

  it('keeps the first clip for a pose that names none, as the render page picks it', async () => {
    const robot = await load('RobotExpressive');
    const first = robot.getRoot().listAnimations()[0]!.getName();
    keepPosedAnimation(robot, {});
    expect(
      robot
        .getRoot()
        .listAnimations()
        .map((a) => a.getName()),
    ).toEqual([first]);
  });

  it('keeps every clip when the pose names none the model has, so the page can say which it has', async () => {
    const robot = await load('RobotExpressive');
    expect(keepPosedAnimation(robot, { animation: 'Moonwalk' })).toEqual({ removed: 0 });
    expect(robot.getRoot().listAnimations()).toHaveLength(14);
  });
});
