import type { AvatarModel } from '../../engine/avatar-model.ts';
import { createScene, type SceneHandle } from '../../engine/create-scene.ts';
import { frameCamera } from '../../engine/framing.ts';
import { setModelBytesSource } from '../../engine/gltf-loader.ts';
import { resourceLoader } from '../../resources/resource-loader.ts';
import { fallbackNotice, planAvatar } from './avatar-spec.ts';
import type { Draft } from './editor-state.ts';
import { LOAD_MARKS, markOnce } from './load-marks.ts';
import { addNotice, modelLoading, sceneInfo } from './scene-signals.ts';

/** Avatars this far from human size (metres) are scaled to it, so the studio floor and camera fit. */
const HUMAN_HEIGHT = 1.75;
const SCALE_OUTSIDE = [0.6, 3.5] as const;

const modelKey = (draft: Draft) =>
  JSON.stringify([
    draft.modelAssetId,
    draft.modelUrl,
    draft.parts.hair,
    draft.parts.top,
    draft.parts.bottom,
    draft.parts.shoes,
    draft.parts.accessories ?? [],
  ]);

/**
 * Drives the editor's scene from the draft: a change of models loads them (the avatar on show stays
 * until the new one is ready), a change of colors or morphs is applied to the avatar in place.
 */
export class SceneController {
  readonly handle: SceneHandle;
  #key: string | null = null;
  #baseKey: string | null = null;
  #draft: Draft | null = null;
  #resolved: ReadonlyMap<string, string> = new Map();
  #loads = 0;
  #abort: AbortController | null = null;
  #baseColors: Record<string, string> = {};
  #morphNames: string[] = [];
  #framedAspect: number | null = null;
  #marked = false;
  readonly #resize: ResizeObserver;

  constructor(canvas: HTMLCanvasElement, onFirstFrame: () => void) {
    setModelBytesSource((url, options) => resourceLoader.get(url, options));
    this.handle = createScene(canvas, { onFirstFrame });
    // After createScene's own observer has resized the engine.
    this.#resize = new ResizeObserver(() => this.#onResize());
    this.#resize.observe(canvas);
  }

  /** Shows the draft; resolves when what it needs is on screen. */
  async show(draft: Draft, resolvedIds: ReadonlyMap<string, string>): Promise<void> {
    this.#draft = draft;
    const key = modelKey(draft);
    if (key === this.#key && resolvedIds === this.#resolved) {
      this.#applyLooks(draft);
      return;
    }
    this.#key = key;
    this.#resolved = resolvedIds;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    const load = ++this.#loads;
    modelLoading.value = true;
    try {
      const plan = await planAvatar(draft, resolvedIds);
      if (load !== this.#loads) return;
      markOnce(LOAD_MARKS.planned);
      for (const text of plan.notices) addNotice(text);
      const model = await this.handle.builder.showAvatar(
        { ...plan.spec, colors: {}, morphs: {} },
        { signal: abort.signal, onFallback: (fallback) => addNotice(fallbackNotice(fallback, plan.labels)) },
      );
      if (!model || load !== this.#loads) return;
      if (!model.isBuiltIn) markOnce(LOAD_MARKS.modelsLoaded);
      this.#afterLoad(model, JSON.stringify([draft.modelAssetId, draft.modelUrl]));
      this.#applyLooks(this.#draft ?? draft);
      this.#markFirstFrame(!model.isBuiltIn);
    } catch {
      if (abort.signal.aborted) return;
      // The fallback chain ends in the built-in shape: never a blank canvas.
      this.handle.builder.showBuiltIn();
      addNotice("Your avatar couldn't be drawn just now, so the default shape is shown.");
    } finally {
      if (load === this.#loads) modelLoading.value = false;
    }
  }

  dispose(): void {
    this.#abort?.abort();
    this.#resize.disconnect();
    setModelBytesSource(null);
    this.handle.dispose();
  }

  /**
   * `performance.mark('avatar:first-frame')` once, after the first frame that draws a loaded avatar (not
   * the built-in shape): what the benchmark and anyone profiling the page read as "the avatar is on screen".
   */
  #markFirstFrame(loaded: boolean): void {
    if (this.#marked || !loaded) return;
    this.#marked = true;
    void this.handle.whenDrawn().then(() => markOnce(LOAD_MARKS.firstFrame));
  }

  #afterLoad(model: AvatarModel, baseKey: string): void {
    this.#normalizeSize(model);
    this.#baseColors = model.materialColors();
    this.#morphNames = model.morphTargetNames;
    sceneInfo.value = {
      materials: model.materialNames.filter((name) => !name.includes('shadow') && name in this.#baseColors),
      baseColors: this.#baseColors,
      morphs: this.#morphNames,
    };
    // A new body is framed; a new part keeps the player's view.
    if (baseKey !== this.#baseKey) {
      this.#baseKey = baseKey;
      this.#frame();
    }
  }

  #applyLooks(draft: Draft): void {
    const model = this.handle.builder.model;
    if (!model) return;
    this.handle.requestRender();
    model.applyColors({ ...this.#baseColors, ...draft.colors });
    const zeros = Object.fromEntries(this.#morphNames.map((name) => [name, 0]));
    model.applyMorphs({ ...zeros, ...draft.morphs });
  }

  #normalizeSize(model: AvatarModel): void {
    // The base decides: a part below its feet (a prop at the origin) must not lift the body.
    const bounds = model.baseBounds();
    if (!bounds) return;
    const height = bounds.max.y - bounds.min.y;
    if (height <= 0) return;
    const scale = height < SCALE_OUTSIDE[0] || height > SCALE_OUTSIDE[1] ? HUMAN_HEIGHT / height : 1;
    // Every model's root, parts placed in model space included, so they stay where they were on the base.
    for (const root of model.roots) {
      root.scaling.scaleInPlace(scale);
      root.position.scaleInPlace(scale);
      // Feet on the floor.
      root.position.y -= bounds.min.y * scale;
    }
  }

  /** Frames the body (not props around it) from the editor's default angle, then lets the player orbit. */
  #frame(): void {
    const { builder, engine } = this.handle;
    const bounds = builder.model?.baseBounds();
    if (!bounds) return;
    const camera = builder.camera;
    const aspect = engine.getRenderWidth() / Math.max(1, engine.getRenderHeight());
    frameCamera(camera, bounds, { preset: 'full-body' }, aspect, 0.1);
    builder.lighting.follow(camera);
    camera.lowerRadiusLimit = camera.radius * 0.35;
    camera.upperRadiusLimit = camera.radius * 2.5;
    camera.upperBetaLimit = Math.PI / 2 - 0.02;
    camera.minZ = 0.05;
    camera.maxZ = camera.radius * 20;
    this.#framedAspect = aspect;
    this.handle.requestRender();
  }

  /** A canvas that changed shape (a phone turned, a window resized) gets the body framed again. */
  #onResize(): void {
    const { engine } = this.handle;
    // Whichever observer runs first, the engine has the canvas's new size before the fit.
    engine.resize();
    this.handle.requestRender();
    const aspect = engine.getRenderWidth() / Math.max(1, engine.getRenderHeight());
    if (this.#framedAspect === null || Math.abs(aspect / this.#framedAspect - 1) < 0.1) return;
    this.#frame();
  }
}
