import { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera';
import { Engine } from '@babylonjs/core/Engines/engine';
import { DirectionalLight } from '@babylonjs/core/Lights/directionalLight';
import { HemisphericLight } from '@babylonjs/core/Lights/hemisphericLight';
import { SceneLoaderFlags } from '@babylonjs/core/Loading/sceneLoaderFlags';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import { Color3, Color4 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateGround } from '@babylonjs/core/Meshes/Builders/groundBuilder';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import { Scene } from '@babylonjs/core/scene';
import { createDefaultAvatar } from './default-avatar.ts';
import { palette } from './palette.ts';

export interface SceneHandle {
  engine: Engine;
  scene: Scene;
  avatar: TransformNode;
  dispose: () => void;
}

export interface CreateSceneOptions {
  /** Called once, after the first frame with every shader compiled (the canvas shows the scene). */
  onFirstFrame?: () => void;
}

/** Builds the engine and the default scene on a canvas and starts rendering until `dispose()`. */
export function createScene(canvas: HTMLCanvasElement, options: CreateSceneOptions = {}): SceneHandle {
  // The default loading screen fetches its logo from Babylon's CDN and covers the canvas; never show it.
  SceneLoaderFlags.ShowLoadingScreen = false;
  // preserveDrawingBuffer: tests and the PNG export read the canvas pixels after the frame is presented.
  const engine = new Engine(canvas, true, { preserveDrawingBuffer: true, stencil: true }, true);
  const scene = new Scene(engine);
  const background = Color3.FromHexString(palette.background);
  scene.clearColor = Color4.FromColor3(background, 1);
  // Fog in the backdrop color melts the ground's far edge into the background: no hard horizon line.
  scene.fogMode = Scene.FOGMODE_EXP2;
  scene.fogDensity = 0.09;
  scene.fogColor = background;

  // Target first, then the angles: the camera keeps them relative to the target.
  const camera = new ArcRotateCamera('camera', 0, 0, 3.6, new Vector3(0, 0.85, 0), scene);
  camera.alpha = -Math.PI / 2 + 0.35;
  camera.beta = Math.PI / 2.35;
  camera.lowerRadiusLimit = 2;
  camera.upperRadiusLimit = 10;
  camera.upperBetaLimit = Math.PI / 2 - 0.05;
  camera.wheelDeltaPercentage = 0.01;
  camera.attachControl(true);

  const sky = new HemisphericLight('sky', new Vector3(0, 1, 0), scene);
  sky.intensity = 0.75;
  sky.groundColor = new Color3(0.25, 0.25, 0.3);
  const sun = new DirectionalLight('sun', new Vector3(-0.6, -1, 0.8), scene);
  sun.intensity = 0.7;

  const ground = CreateGround('ground', { width: 40, height: 40 }, scene);
  const groundMaterial = new StandardMaterial('ground', scene);
  groundMaterial.diffuseColor = Color3.FromHexString(palette.ground);
  groundMaterial.specularColor = Color3.Black();
  ground.material = groundMaterial;

  const avatar = createDefaultAvatar(scene);

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
    avatar,
    dispose() {
      if (disposed) return;
      disposed = true;
      resize.disconnect();
      engine.stopRenderLoop();
      scene.dispose();
      engine.dispose();
    },
  };
}
