import type { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera';
import { DirectionalLight } from '@babylonjs/core/Lights/directionalLight';
import { HemisphericLight } from '@babylonjs/core/Lights/hemisphericLight';
import { ImageProcessingConfiguration } from '@babylonjs/core/Materials/imageProcessingConfiguration';
import type { BaseTexture } from '@babylonjs/core/Materials/Textures/baseTexture';
import { Color3 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import type { AbstractMesh } from '@babylonjs/core/Meshes/abstractMesh';
import type { Scene } from '@babylonjs/core/scene';
import { createStudioEnvironment } from './studio-environment.ts';

export interface StudioLighting {
  sky: HemisphericLight;
  key: DirectionalLight;
  rim: DirectionalLight;
  environment: BaseTexture;
  /** Turns the key and rim lights with the camera, so the side that is seen is always the lit one. */
  follow(camera: ArcRotateCamera): void;
  /**
   * The color these lights give a flat, upward-facing matte surface (a standard material of this
   * diffuse color, no specular): the same at every point of it, so a floor can be drawn in it unlit.
   */
  floorColor(diffuse: Color3, result: Color3): Color3;
}

/**
 * A layer bit outside Babylon's default mesh mask (0x0FFFFFFF): the sky light reaches only meshes that
 * carry it (`addSkyFill`). The camera's default mask still overlaps the rest, so they stay visible.
 */
const SKY_FILL_LAYER = 0x10000000;

/** Lets the sky light reach these meshes: standard materials, which the environment does not light. */
export function addSkyFill(meshes: readonly AbstractMesh[]): void {
  for (const mesh of meshes) mesh.layerMask |= SKY_FILL_LAYER;
}

/** Key light: this much round from the camera (to the right of the image) and above it, in radians. */
const KEY_YAW = 0.6;
const KEY_RISE = 0.65;

/**
 * Three-point studio lighting that reads on any model: a sky/floor fill so no side goes black, a key
 * light from above the camera, a rim light from behind to separate the silhouette from a dark
 * background, and a generated environment for PBR materials. Colors go through a neutral tone map, so
 * bright materials roll off instead of clipping to white while mid tones keep their hue.
 *
 * PBR materials (every glTF model) take their fill from the environment alone, whose irradiance is the
 * same sky-over-floor gradient: the sky light reaches only the meshes given to `addSkyFill` (the
 * standard-material built-in shape). Each light a material takes is a block of its shader: without a
 * GPU, SwiftShader compiles every shader when it is first drawn, and the avatar's first frame waited
 * 100-300 ms more (bench at load 3-5) for a third light in its five PBR shaders.
 */
export function addStudioLighting(scene: Scene): StudioLighting {
  const sky = new HemisphericLight('studio-sky', new Vector3(0, 1, 0), scene);
  sky.includeOnlyWithLayerMask = SKY_FILL_LAYER;
  sky.intensity = 0.45;
  sky.diffuse = new Color3(1, 0.98, 0.95);
  sky.groundColor = new Color3(0.32, 0.32, 0.36);
  sky.specular = Color3.Black();

  const key = new DirectionalLight('studio-key', new Vector3(-0.5, -0.8, 0.6), scene);
  key.intensity = 0.8;
  key.diffuse = new Color3(1, 0.97, 0.92);

  const rim = new DirectionalLight('studio-rim', new Vector3(0.3, -0.5, -1), scene);
  rim.intensity = 0.35;
  rim.diffuse = new Color3(0.85, 0.9, 1);
  rim.specular = new Color3(0.3, 0.3, 0.3);

  const environment = createStudioEnvironment(scene);
  scene.environmentTexture = environment;
  // 0.6 with the sky light on top; alone, the environment stands in for both.
  scene.environmentIntensity = 0.9;

  const processing = scene.imageProcessingConfiguration;
  processing.toneMappingEnabled = true;
  processing.toneMappingType = ImageProcessingConfiguration.TONEMAPPING_KHR_PBR_NEUTRAL;
  processing.exposure = 1;

  return {
    sky,
    key,
    rim,
    environment,
    follow(camera) {
      key.direction = directionFrom(camera.alpha + KEY_YAW, camera.beta - KEY_RISE);
      rim.direction = directionFrom(camera.alpha + Math.PI - 0.4, Math.max(0.35, camera.beta - 0.9));
    },
    floorColor(diffuse, result) {
      // As the standard material's shader lights a surface whose normal is +Y: the hemispheric light at
      // full sky color, a directional light by the cosine of its angle to the normal.
      result.copyFrom(sky.diffuse).scaleInPlace(sky.intensity);
      for (const light of [key, rim]) {
        const facing = Math.max(0, -light.direction.y / light.direction.length());
        light.diffuse.scaleAndAddToRef(light.intensity * facing, result);
      }
      return result.multiplyInPlace(diffuse).clampToRef(0, 1, result);
    },
  };
}

/** The direction light travels in when it comes from the arc-rotate angles (alpha, beta). */
function directionFrom(alpha: number, beta: number): Vector3 {
  const b = Math.min(Math.PI - 0.05, Math.max(0.05, beta));
  return new Vector3(-Math.cos(alpha) * Math.sin(b), -Math.cos(b), -Math.sin(alpha) * Math.sin(b));
}
