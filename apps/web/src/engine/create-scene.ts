import type { Engine } from '@babylonjs/core/Engines/engine';
import { ImageProcessingConfiguration } from '@babylonjs/core/Materials/imageProcessingConfiguration';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import { Color3 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateGround } from '@babylonjs/core/Meshes/Builders/groundBuilder';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import { Scene } from '@babylonjs/core/scene';
import { palette } from './palette.ts';
import { SceneBuilder } from './scene-builder.ts';

export interface SceneHandle {
  engine: Engine;
  scene: Scene;
  /** The shared scene code (models, colors, poses, framing), as the render page uses it. */
  builder: SceneBuilder;
  /** Root of the built-in avatar shown until a model is loaded. */
  avatar: TransformNode;
  dispose: () => void;
}

export interface CreateSceneOptions {
  /** Called once, after the first frame with every shader compiled (the canvas shows the scene). */
  onFirstFrame?: () => void;
}

/** Builds the editor's scene on a canvas (studio, floor, orbit camera) and renders until `dispose()`. */
export function createScene(canvas: HTMLCanvasElement, options: CreateSceneOptions = {}): SceneHandle {
  const builder = new SceneBuilder(canvas);
  const { engine, scene, camera } = builder;
  builder.setBackground(palette.background);
  // Fog in the backdrop color melts the ground's far edge into the background: no hard horizon line.
  const background = Color3.FromHexString(palette.background);
  scene.fogMode = Scene.FOGMODE_EXP2;
  scene.fogDensity = 0.09;
  scene.fogColor = background;

  // Target first, then the angles: the camera keeps them relative to the target.
  camera.setTarget(new Vector3(0, 0.85, 0));
  camera.alpha = -Math.PI / 2 + 0.35;
  camera.beta = Math.PI / 2.35;
  camera.radius = 3.6;
  camera.lowerRadiusLimit = 2;
  camera.upperRadiusLimit = 10;
  camera.upperBetaLimit = Math.PI / 2 - 0.05;
  camera.wheelDeltaPercentage = 0.01;
  camera.attachControl(true);

  const ground = CreateGround('ground', { width: 40, height: 40 }, scene);
  const groundMaterial = new StandardMaterial('ground', scene);
  groundMaterial.diffuseColor = Color3.FromHexString(palette.ground);
  groundMaterial.specularColor = Color3.Black();
  // Not tone mapped: the fogged far edge must come out exactly in the (untouched) background color.
  groundMaterial.imageProcessingConfiguration = new ImageProcessingConfiguration();
  ground.material = groundMaterial;

  const avatar = builder.showBuiltIn();

  let disposed = false;
  scene.executeWhenReady(() => {
    scene.onAfterRenderObservable.addOnce(() => {
      if (!disposed) options.onFirstFrame?.();
    });
  });
  engine.runRenderLoop(() => scene.render());
  const resize = new ResizeObserver(() => engine.resize());
  resize.observe(canvas);

  return {
    engine,
    scene,
    builder,
    avatar: avatar.root!,
    dispose() {
      if (disposed) return;
      disposed = true;
      resize.disconnect();
      engine.stopRenderLoop();
      builder.dispose();
    },
  };
}
