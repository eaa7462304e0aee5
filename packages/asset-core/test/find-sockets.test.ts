import { Document } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { findSockets } from '../src/find-sockets.ts';

function socketsNamed(...names: string[]) {
  const doc = new Document();
  for (const name of names) doc.createNode(name);
  return findSockets(doc.getRoot(), 100);
}

describe('findSockets', () => {
  it.each([
    ['mixamorig:Head', 'head', null],
    ['mixamorig:LeftHand', 'hand', 'left'],
    ['J_Bip_C_Neck', 'neck', null],
    ['J_Bip_R_Foot', 'foot', 'right'],
    ['DEF-hand.L', 'hand', 'left'],
    ['Bip01 R Hand', 'hand', 'right'],
    ['UpperChest', 'chest', null],
    ['Spine2', 'spine', null],
    ['pelvis', 'hips', null],
    ['HandR', 'hand', 'right'],
    ['Foot01_L', 'foot', 'left'],
    ['Foot02_L', null, 'left'],
    ['Head_end', null, null],
    ['Ball', null, null],
    ['LeftHandIndex1', null, 'left'],
  ])('reads %s as role %s, side %s', (name, role, side) => {
    expect(socketsNamed(name)).toEqual([{ name, kind: 'node', role, side }]);
  });

  it('puts the head first, joints before empties, and leaves out meshes and unnamed nodes', () => {
    const doc = new Document();
    doc.createNode('Body').setMesh(doc.createMesh());
    doc.createNode('');
    doc.createNode('Socket_Back');
    doc.createNode('HeadTop');
    doc.createNode('Head');
    const skin = doc.createSkin();
    for (const name of ['Hips', 'LeftFoot', 'Head']) skin.addJoint(doc.createNode(name));
    expect(findSockets(doc.getRoot(), 100).map((s) => `${s.name}:${s.kind}`)).toEqual([
      'Head:joint',
      'Head:node',
      'Hips:joint',
      'LeftFoot:joint',
      'Socket_Back:node',
      'HeadTop:node',
    ]);
    expect(findSockets(doc.getRoot(), 2)).toHaveLength(2);
  });
});
