import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import { Color3 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateCapsule } from '@babylonjs/core/Meshes/Builders/capsuleBuilder';
import { CreateDisc } from '@babylonjs/core/Meshes/Builders/discBuilder';
import { CreateSphere } from '@babylonjs/core/Meshes/Builders/sphereBuilder';
import { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import type { Scene } from '@babylonjs/core/scene';
import { palette } from './palette.ts';
import { addSkyFill } from './studio-lighting.ts';

function matte(scene: Scene, name: string, hex: string): StandardMaterial {
  const material = new StandardMaterial(name, scene);
  material.diffuseColor = Color3.FromHexString(hex);
  // A faint highlight keeps the shape readable without washing the hue out to white.
  material.specularColor = new Color3(0.12, 0.12, 0.12);
  return material;
}

/**
 * The built-in fallback shape: what is drawn when an avatar has no model (or its model cannot be
 * loaded). Feet at y = 0, about 1.7 units tall, facing -Z like a glTF model after Babylon's loader.
 */
export function createDefaultAvatar(scene: Scene): TransformNode {
  const root = new TransformNode('default-avatar', scene);

  const body = CreateCapsule('avatar-body', { height: 1.2, radius: 0.32, tessellation: 32 }, scene);
  body.position.y = 0.6;
  body.material = matte(scene, 'avatar-body', palette.body);
  body.parent = root;

  const head = CreateSphere('avatar-head', { diameter: 0.5, segments: 32 }, scene);
  head.position.y = 1.42;
  head.material = matte(scene, 'avatar-head', palette.head);
  head.parent = root;

  const eyes = matte(scene, 'avatar-eyes', palette.eyes);
  for (const x of [-0.09, 0.09]) {
    const eye = CreateSphere('avatar-eye', { diameter: 0.07, segments: 12 }, scene);
    eye.position = new Vector3(x, 1.46, -0.225);
    eye.material = eyes;
    eye.parent = root;
  }
  // Stacked translucent discs fake a soft contact shadow: grounds the figure without shadow-map passes.
  const shade = new StandardMaterial('avatar-contact-shadow', scene);
  shade.diffuseColor = Color3.Black();
  shade.specularColor = Color3.Black();
  shade.alpha = 0.07;
  [0.58, 0.52, 0.46, 0.4, 0.34, 0.28].forEach((radius, i) => {
    const disc = CreateDisc('avatar-contact-shadow', { radius, tessellation: 48 }, scene);
    disc.rotation.x = Math.PI / 2;
    disc.position.y = 0.002 * (i + 1);
    disc.material = shade;
    disc.parent = root;
  });
  // Standard materials: the environment that fills PBR models in does not reach them.
  addSkyFill(root.getChildMeshes(false));
  return root;
}
