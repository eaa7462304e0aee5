import { Document, type Document as GltfDocument, Logger, type Material } from '@gltf-transform/core';

export interface FallbackAvatarOptions {
  /** Segments around each round shape; more is smoother and heavier (2 x rings x segments triangles). */
  segments: number;
  rings: number;
}

export const FALLBACK_AVATAR_DEFAULTS: Readonly<FallbackAvatarOptions> = Object.freeze({
  segments: 24,
  rings: 12,
});

/** Material names of the fallback, so a saved colour for either one shows on it too. */
export const FALLBACK_MATERIALS = Object.freeze({ body: 'Body', skin: 'Skin' });

/**
 * The built-in avatar drawn and exported when a config names no usable base model: a capsule body and a
 * round head, 1.74 m tall, standing on the origin facing +Z, with named empties (Head, Neck, Chest,
 * Hips, LeftHand, RightHand, LeftFoot, RightFoot) where parts attach. Built in code, so it exists even
 * when storage does not.
 */
export function buildFallbackAvatar(options: Partial<FallbackAvatarOptions> = {}): GltfDocument {
  const { segments, rings } = { ...FALLBACK_AVATAR_DEFAULTS, ...options };
  const doc = new Document().setLogger(new Logger(Logger.Verbosity.SILENT));
  doc.getRoot().getAsset().generator = 'avatar asset-core fallback';
  const buffer = doc.createBuffer();
  const body = doc
    .createMaterial(FALLBACK_MATERIALS.body)
    .setBaseColorFactor([0.36, 0.45, 0.62, 1])
    .setRoughnessFactor(0.8)
    .setMetallicFactor(0);
  const skin = doc
    .createMaterial(FALLBACK_MATERIALS.skin)
    .setBaseColorFactor([0.8, 0.62, 0.5, 1])
    .setRoughnessFactor(0.7)
    .setMetallicFactor(0);

  const mesh = (name: string, material: Material, radius: number, stretch: number) => {
    const shape = capsule(radius, stretch, segments, rings);
    const primitive = doc
      .createPrimitive()
      .setMaterial(material)
      .setAttribute(
        'POSITION',
        doc.createAccessor().setType('VEC3').setArray(shape.positions).setBuffer(buffer),
      )
      .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(shape.normals).setBuffer(buffer))
      .setIndices(doc.createAccessor().setType('SCALAR').setArray(shape.indices).setBuffer(buffer));
    return doc.createMesh(name).addPrimitive(primitive);
  };

  const node = (name: string, at: [number, number, number]) => doc.createNode(name).setTranslation(at);
  // Positions are relative to the parent node; the comments give heights above the ground.
  const root = node('Avatar', [0, 0, 0]);
  const hips = node('Hips', [0, 0.95, 0]); // 0.95 m
  const torso = node('Torso', [0, -0.23, 0]).setMesh(mesh('Body', body, 0.22, 0.96)); // 0.02..1.42 m
  const chest = node('Chest', [0, 0.3, 0]); // 1.25 m
  const neck = node('Neck', [0, 0.2, 0]); // 1.45 m
  const head = node('Head', [0, 0.13, 0]); // 1.58 m, the centre of the head (top at 1.74 m)
  const face = node('HeadMesh', [0, 0, 0]).setMesh(mesh('Head', skin, 0.16, 0));
  const limbs = [
    node('LeftHand', [0.3, -0.15, 0]),
    node('RightHand', [-0.3, -0.15, 0]),
    node('LeftFoot', [0.1, -0.9, 0]),
    node('RightFoot', [-0.1, -0.9, 0]),
  ];
  head.addChild(face);
  neck.addChild(head);
  chest.addChild(neck);
  hips.addChild(torso).addChild(chest);
  for (const limb of limbs) hips.addChild(limb);
  root.addChild(hips);
  doc.getRoot().setDefaultScene(doc.createScene('Scene').addChild(root));
  return doc;
}

/**
 * A UV sphere pulled apart at the equator: rings above it move up by `stretch / 2`, rings below move
 * down, so the equator band becomes the capsule's sides (`stretch` 0 is a sphere), centred on the origin. The poles get one triangle per segment, so no triangle is degenerate.
 */
function capsule(radius: number, stretch: number, segments: number, rings: number) {
  const positions: number[] = [];
  const normals: number[] = [];
  // An even ring count puts a ring on the equator, where the two halves are pulled apart.
  const ringCount = rings % 2 === 0 ? rings : rings + 1;
  for (let i = 0; i <= ringCount; i++) {
    const theta = (i / ringCount) * Math.PI; // 0 at the top
    const lift = i < ringCount / 2 ? stretch / 2 : i > ringCount / 2 ? -stretch / 2 : 0;
    for (let j = 0; j <= segments; j++) {
      const phi = (j / segments) * Math.PI * 2;
      const n = [Math.sin(theta) * Math.sin(phi), Math.cos(theta), Math.sin(theta) * Math.cos(phi)] as const;
      normals.push(n[0], n[1], n[2]);
      positions.push(n[0] * radius, n[1] * radius + lift, n[2] * radius);
    }
  }
  const indices: number[] = [];
  for (let i = 0; i < ringCount; i++) {
    for (let j = 0; j < segments; j++) {
      const a = i * (segments + 1) + j;
      const b = a + segments + 1;
      // Counter-clockwise seen from outside.
      if (i !== 0) indices.push(a, b, a + 1);
      if (i !== ringCount - 1) indices.push(a + 1, b, b + 1);
    }
  }
  return {
    positions: new Float32Array(positions),
    normals: new Float32Array(normals),
    indices: new Uint16Array(indices),
  };
}
