import { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera';
import { Engine } from '@babylonjs/core/Engines/engine';
import { Effect } from '@babylonjs/core/Materials/effect';
import { Color4 } from '@babylonjs/core/Maths/math.color';
import { Vector3 } from '@babylonjs/core/Maths/math.vector';
import { Scene } from '@babylonjs/core/scene';
import { AvatarModel, type AvatarSpec, type LoadAvatarOptions } from './avatar-model.ts';
import { type CameraView, frameCamera } from './framing.ts';
import { registerGltfLoader } from './gltf-loader.ts';
import { addStudioLighting, type StudioLighting } from './studio-lighting.ts';

export interface SceneBuilderOptions {
  antialias?: boolean;
  /** Keep the frame's pixels after it is presented, so they can be read back (tests, image export). */
  preserveDrawingBuffer?: boolean;
  /** Render at the screen's pixel density (the editor) rather than one pixel per canvas pixel. */
  adaptToDeviceRatio?: boolean;
  /**
   * Skip the copies of buffers Babylon keeps to rebuild after a lost WebGL context: a page that is
   * thrown away when its context dies (the render page) saves that memory.
   */
  doNotHandleContextLost?: boolean;
}

/**
 * One engine, one scene, one camera and the studio lighting, shared by the editor's canvas and the
 * server's render page so that a thumbnail shows what the editor shows. Models are swapped in and out
 * of the one scene: shaders and the environment are prepared once.
 */
export class SceneBuilder {
  readonly engine: Engine;
  readonly scene: Scene;
  readonly camera: ArcRotateCamera;
  readonly lighting: StudioLighting;
  private current: AvatarModel | null = null;
  private generation = 0;
  private readonly deviceMaxTextureSize: number;

  constructor(canvas: HTMLCanvasElement, options: SceneBuilderOptions = {}) {
    registerGltfLoader();
    // Keep compiled shaders when the materials using them are disposed: swapping one model for another
    // would otherwise compile every shader again (from 1.5 renders/s to 8 at 256 px with mixed models).
    Effect.PersistentMode = true;
    this.engine = new Engine(
      canvas,
      options.antialias ?? true,
      {
        preserveDrawingBuffer: options.preserveDrawingBuffer ?? true,
        stencil: true,
        alpha: true,
        doNotHandleContextLost: options.doNotHandleContextLost ?? false,
      },
      options.adaptToDeviceRatio ?? true,
    );
    this.deviceMaxTextureSize = this.engine.getCaps().maxTextureSize;
    this.scene = new Scene(this.engine);
    this.camera = new ArcRotateCamera(
      'camera',
      -Math.PI / 2,
      Math.PI / 2.2,
      4,
      new Vector3(0, 0.85, 0),
      this.scene,
    );
    this.lighting = addStudioLighting(this.scene);
    this.scene.onBeforeRenderObservable.add(() => this.lighting.follow(this.camera));
  }

  /** The avatar on show, if any. */
  get model(): AvatarModel | null {
    return this.current;
  }

  /**
   * Loads an avatar and swaps it in for the one on show, which is disposed. Resolves to null when a
   * later call replaced it before it finished loading (it is disposed then too).
   */
  async showAvatar(spec: AvatarSpec, options: LoadAvatarOptions = {}): Promise<AvatarModel | null> {
    const generation = ++this.generation;
    const model = await AvatarModel.load(this.scene, spec, options);
    if (generation !== this.generation) {
      model.dispose();
      return null;
    }
    this.replace(model);
    return model;
  }

  /** Shows the built-in fallback shape at once. */
  showBuiltIn(): AvatarModel {
    this.generation++;
    const model = AvatarModel.builtIn(this.scene);
    this.replace(model);
    return model;
  }

  /** Removes the avatar on show (and cancels one still loading). */
  clear(): void {
    this.generation++;
    this.replace(null);
  }

  /** `#rrggbb`, or null for a transparent background. */
  setBackground(color: string | null): void {
    this.scene.clearColor = color ? Color4.FromHexString(`${color}ff`) : new Color4(0, 0, 0, 0);
  }

  /**
   * Caps the size of textures loaded from now on (larger ones are scaled down on upload); null lifts
   * the cap. Small images gain nothing from 2048 px textures but pay for them in time and memory.
   */
  setMaxTextureSize(size: number | null): void {
    this.engine.getCaps().maxTextureSize = size
      ? Math.min(size, this.deviceMaxTextureSize)
      : this.deviceMaxTextureSize;
  }

  /** Frames the camera on the avatar as it is posed now; false when there is nothing to frame. */
  frame(view: CameraView, margin?: number): boolean {
    const bounds = this.current?.bounds();
    if (!bounds) return false;
    const aspect = this.engine.getRenderWidth() / Math.max(1, this.engine.getRenderHeight());
    frameCamera(this.camera, bounds, view, aspect, margin);
    this.lighting.follow(this.camera);
    return true;
  }

  /**
   * Draws one complete frame outside any render loop. Beginning and ending the frame matters in a
   * long-lived page: resources disposed meanwhile are only released at the end of a frame.
   */
  renderFrame(): void {
    this.engine.beginFrame();
    this.scene.render();
    this.engine.endFrame();
  }

  dispose(): void {
    this.clear();
    this.scene.dispose();
    this.engine.dispose();
  }

  private replace(model: AvatarModel | null): void {
    this.current?.dispose();
    this.current = model;
  }
}
