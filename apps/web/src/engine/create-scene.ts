import type { Engine } from '@babylonjs/core/Engines/engine';
import { ImageProcessingConfiguration } from '@babylonjs/core/Materials/imageProcessingConfiguration';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import { Color3 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateGround } from '@babylonjs/core/Meshes/Builders/groundBuilder';
import { Scene } from '@babylonjs/core/scene';
import { palette } from './palette.ts';
import { prepareMaterials } from './prepare-materials.ts';
import { SceneBuilder } from './scene-builder.ts';

export interface SceneHandle {
  engine: Engine;
  scene: Scene;
  /** The shared scene code (models, colors, poses, framing), as the render page uses it. */
  builder: SceneBuilder;
  /**
   * Resolves once the next frame drawn with every mesh ready (shaders compiled, textures uploaded) is on
   * screen; never, if the scene is disposed first.
   */
  whenDrawn: () => Promise<void>;
  /** Draws the scene again (it is drawn on demand): call after changing it from outside. */
  requestRender: () => void;
  dispose: () => void;
}

export interface CreateSceneOptions {
  /** Called once the first frame with every shader compiled is on screen (the canvas shows the scene). */
  onFirstFrame?: () => void;
}

/** Frames drawn after a request: the last one lands after whatever the request followed has settled. */
const FRAMES_PER_REQUEST = 2;
/** Canvas events that can move the camera (its own inputs listen to the same canvas). */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'pointerup', 'wheel', 'keydown', 'keyup'] as const;
/** The longest the first frame waits for the avatar's last shader or texture; then it draws what is ready. */
const FIRST_FRAME_WAIT_MS = 5_000;

/**
 * Builds the editor's scene on a canvas (studio, floor, orbit camera) and draws it on demand until
 * `dispose()`: while the camera moves (input or inertia), while an animation plays, and after a change
 * (`requestRender`, a resize, a mesh added or removed); an idle scene is not drawn again. Without a GPU
 * every frame is a software render plus, under software compositing, a read-back of the whole canvas:
 * drawing an unchanged scene 60 times a second kept a core busy and delayed everything else on the page.
 *
 * Nothing is drawn before there is an avatar to show (`builder.showAvatar` or `showBuiltIn`) and every
 * shader it needs is compiled: the first frame is the avatar, whole. Frames of a half-ready scene (the
 * floor alone, a stand-in shape) each cost a software render, a read-back and shaders of their own,
 * on the same two cores the avatar's loading needs; the canvas's overlay says it is loading meanwhile.
 */
export function createScene(canvas: HTMLCanvasElement, options: CreateSceneOptions = {}): SceneHandle {
  const builder = new SceneBuilder(canvas);
  const { engine, scene, camera } = builder;
  builder.setBackground(palette.background);
  // Fog in the backdrop color melts the ground's far edge into the background: no hard horizon line.
  // Only the ground takes it: an avatar's meshes are drawn without (AvatarModel).
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
  groundMaterial.specularColor = Color3.Black();
  // Flat and matte, so every point of the floor takes the same light: drawn unlit in the color the
  // studio lights give it (kept up to date as the key and rim lights turn with the camera), its shader
  // has no light code, and the floor, most of the canvas, is the cheapest thing to shade.
  groundMaterial.disableLighting = true;
  const groundColor = Color3.FromHexString(palette.ground);
  scene.onBeforeRenderObservable.add(() => {
    builder.lighting.floorColor(groundColor, groundMaterial.emissiveColor);
  });
  // Not tone mapped: the fogged far edge must come out exactly in the (untouched) background color.
  groundMaterial.imageProcessingConfiguration = new ImageProcessingConfiguration();
  ground.material = groundMaterial;

  prepareMaterials(scene);

  let disposed = false;
  let drawn = false;
  let avatarSince: number | null = null;
  const holdFirstFrame = () => {
    if (!builder.model) return true;
    avatarSince ??= performance.now();
    return !scene.isReady() && performance.now() - avatarSince < FIRST_FRAME_WAIT_MS;
  };
  let framesWanted = FRAMES_PER_REQUEST;
  const requestRender = () => {
    framesWanted = Math.max(framesWanted, FRAMES_PER_REQUEST);
  };
  const cameraMoving = () =>
    camera.inertialAlphaOffset !== 0 ||
    camera.inertialBetaOffset !== 0 ||
    camera.inertialRadiusOffset !== 0 ||
    camera.inertialPanningX !== 0 ||
    camera.inertialPanningY !== 0;
  // A clip held still (a pose) is paused: it draws nothing new.
  const animating = () => scene.animatables.some((a) => !a.paused);
  // A mesh whose shaders or textures are not ready is skipped by a frame: draw until none is left.
  const meshesPending = () =>
    scene.meshes.some((mesh) => mesh.isEnabled() && mesh.isVisible && !mesh.isReady(true));
  // Called back once a frame drawn with every mesh ready is on screen (`whenDrawn`).
  let waiting: Array<() => void> = [];
  engine.runRenderLoop(() => {
    if (!drawn && holdFirstFrame()) return;
    if (framesWanted === 0 && !cameraMoving() && !animating()) return;
    framesWanted = Math.max(0, framesWanted - 1);
    // Asked before drawing: a mesh that is not ready is skipped by the frame, so only a frame that
    // starts with all of them ready shows the whole scene.
    const whole = waiting.length > 0 && scene.isReady();
    scene.render();
    drawn = true;
    if (whole) {
      const callbacks = waiting;
      waiting = [];
      // The next animation frame starts once this one has been handed to the screen (under software
      // rendering, once the GPU process has drawn it), so "drawn" includes the GPU's share.
      requestAnimationFrame(() => {
        if (!disposed) for (const callback of callbacks) callback();
      });
    }
    if (framesWanted === 0 && meshesPending()) framesWanted = 1;
  });
  const onInput = (event: Event) => {
    // Hovering moves nothing; a drag (a button held) or a wheel, key or touch may.
    if (event.type === 'pointermove' && (event as PointerEvent).buttons === 0) return;
    requestRender();
  };
  for (const type of INPUT_EVENTS) canvas.addEventListener(type, onInput, { passive: true });
  // Cleared with the scene on dispose.
  scene.onNewMeshAddedObservable.add(requestRender);
  scene.onMeshRemovedObservable.add(requestRender);
  // Not scene.executeWhenReady: it polls every 100 ms, so it told of a frame up to 100 ms (and a frame
  // or two) after it was drawn.
  const whenDrawn = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      requestRender();
    });
  if (options.onFirstFrame) void whenDrawn().then(options.onFirstFrame);
  const resize = new ResizeObserver(() => {
    engine.resize();
    requestRender();
  });
  resize.observe(canvas);

  return {
    engine,
    scene,
    builder,
    requestRender,
    whenDrawn,
    dispose() {
      if (disposed) return;
      disposed = true;
      resize.disconnect();
      for (const type of INPUT_EVENTS) canvas.removeEventListener(type, onInput);
      engine.stopRenderLoop();
      builder.dispose();
    },
  };
}
