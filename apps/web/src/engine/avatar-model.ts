import type { AnimationGroup } from '@babylonjs/core/Animations/animationGroup';
import type { Skeleton } from '@babylonjs/core/Bones/skeleton';
import type { Material } from '@babylonjs/core/Materials/material';
import { Color3 } from '@babylonjs/core/Maths/math.color';
import type { AbstractMesh } from '@babylonjs/core/Meshes/abstractMesh';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import type { Node } from '@babylonjs/core/node';
import type { Scene } from '@babylonjs/core/scene';
import { type Attachment, attachPart } from './attach-part.ts';
import { createDefaultAvatar } from './default-avatar.ts';
import { type Bounds, measureBounds } from './framing.ts';
import { type LoadedModel, loadModel } from './gltf-loader.ts';
import { precompileModel } from './precompile-model.ts';

export interface ModelRef {
  url: string;
  /** Other copies of the same model (the original after an optimized variant), tried in order when `url` fails. */
  alternates?: readonly string[];
}

/** One step down a model's fallback chain, reported through `LoadAvatarOptions.onFallback`. */
export interface ModelFallback {
  /** `base`, or the index of the part in `AvatarSpec.parts`. */
  model: 'base' | number;
  failedUrl: string;
  error: unknown;
  /** The next URL tried, or null: the part is left out, or the base becomes the built-in shape. */
  nextUrl: string | null;
}

export interface LoadAvatarOptions {
  signal?: AbortSignal;
  /**
   * Given: a model that cannot be loaded never fails the avatar. Each URL that fails is reported, the
   * next one tried; a part with none left is left out, a base with none left is drawn as the built-in
   * shape (without parts, which were made for that base). Absent: the first failure rejects, as before.
   */
  onFallback?: (fallback: ModelFallback) => void;
}

export interface PartRef extends ModelRef {
  /** A node of the base (its head bone, say) the part is authored relative to. */
  socket?: string;
}

/** An avatar as the editor draws it: a base model (or the built-in shape), parts, colors, morphs. */
export interface AvatarSpec {
  /** Absent or null: the built-in fallback shape. */
  base?: ModelRef | null;
  parts?: readonly PartRef[];
  /** Material name -> `#rrggbb`, applied to the base color (albedo / diffuse). */
  colors?: Readonly<Record<string, string>>;
  /** Morph target name -> weight, 0..1. */
  morphs?: Readonly<Record<string, number>>;
}

/** A still frame of an animation: the clip by name (the first clip when absent), at `time` seconds. */
export interface Pose {
  animation?: string;
  time: number;
}

export class PoseError extends Error {
  readonly code = 'ANIMATION_NOT_FOUND';
  constructor(
    readonly animation: string,
    readonly available: string[],
  ) {
    super(`The model has no animation "${animation}" (it has: ${available.join(', ') || 'none'})`);
    this.name = 'PoseError';
  }
}

/** One avatar in a scene: owns every object it added and removes them all on `dispose()`. */
export class AvatarModel {
  readonly attachments: Attachment[];
  /** Every morph weight set so far, re-applied over an animation's. */
  private morphs: Readonly<Record<string, number>> = {};

  private constructor(
    private readonly models: LoadedModel[],
    private readonly builtIn: TransformNode | null,
    attachments: Attachment[],
  ) {
    this.attachments = attachments;
    // A scene's fog (the editor's melts the floor's far edge into the background) is not for the avatar:
    // a few metres from the camera it only took a tenth of its contrast, and the fog code in each of its
    // shaders made the first frame wait longer (without a GPU, every shader is compiled when first drawn).
    for (const mesh of this.meshes) mesh.applyFog = false;
  }

  /** The built-in fallback shape, drawn when an avatar has no model. */
  static builtIn(scene: Scene): AvatarModel {
    return new AvatarModel([], createDefaultAvatar(scene), []);
  }

  /** Loads the base and its parts in parallel and assembles them; nothing is left behind on failure. */
  static async load(scene: Scene, spec: AvatarSpec, options: LoadAvatarOptions = {}): Promise<AvatarModel> {
    const refs = spec.base ? [spec.base, ...(spec.parts ?? [])] : [];
    const settled = await Promise.allSettled(
      refs.map(async (ref, i) => {
        const loaded = await loadWithAlternates(scene, ref, i === 0 ? 'base' : i - 1, options);
        // Each model's shaders start compiling as soon as it is parsed, beside the others' loading.
        if (loaded && !options.signal?.aborted) precompileModel(loaded);
        return loaded;
      }),
    );
    const loaded = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = settled.find((result) => result.status === 'rejected');
    const tolerant = options.onFallback !== undefined;
    if ((failure && !tolerant) || options.signal?.aborted) {
      for (const model of loaded) model?.dispose();
      throw failure && !options.signal?.aborted ? failure.reason : options.signal?.reason;
    }
    const base = loaded[0];
    let model: AvatarModel;
    if (!base) {
      for (const part of loaded) part?.dispose();
      model = AvatarModel.builtIn(scene);
    } else {
      base.container.addAllToScene();
      const kept: LoadedModel[] = [base];
      const attachments: Attachment[] = [];
      loaded.slice(1).forEach((part, i) => {
        if (!part) return;
        part.container.addAllToScene();
        attachments.push(attachPart(base, part, spec.parts?.[i]?.socket));
        kept.push(part);
      });
      model = new AvatarModel(kept, null, attachments);
    }
    model.applyColors(spec.colors ?? {});
    model.applyMorphs(spec.morphs ?? {});
    return model;
  }

  /** True for the built-in fallback shape (no model, or none could be loaded). */
  get isBuiltIn(): boolean {
    return this.builtIn !== null;
  }

  /** The top node of the avatar: the built-in shape's root, or the base model's `__root__`. */
  get root(): TransformNode | null {
    return this.builtIn ?? this.models[0]?.root ?? null;
  }

  /** The top node of every model drawn (base and parts): what to move or scale to move the whole avatar. */
  get roots(): TransformNode[] {
    if (this.builtIn) return [this.builtIn];
    return this.models.flatMap((model) => (model.root ? [model.root] : []));
  }

  get meshes(): AbstractMesh[] {
    if (this.builtIn) return this.builtIn.getChildMeshes(false);
    return this.models.flatMap((model) => model.container.meshes);
  }

  get animationGroups(): AnimationGroup[] {
    return this.models.flatMap((model) => model.container.animationGroups);
  }

  get animationNames(): string[] {
    return this.animationGroups.map((group) => group.name);
  }

  get morphTargetNames(): string[] {
    const names = new Set<string>();
    for (const mesh of this.meshes) {
      const manager = mesh.morphTargetManager;
      for (let i = 0; i < (manager?.numTargets ?? 0); i++) names.add(manager!.getTarget(i).name);
    }
    return [...names];
  }

  /** Names of the materials a color can go on, in model order, without duplicates. */
  get materialNames(): string[] {
    return [...new Set(this.materials.map((material) => material.name).filter((name) => name !== ''))];
  }

  /** Each named material's base color as drawn now, `#rrggbb` (sRGB). */
  materialColors(): Record<string, string> {
    const colors: Record<string, string> = {};
    for (const material of this.materials) {
      const hex = baseColorOf(material);
      if (hex && material.name && !(material.name in colors)) colors[material.name] = hex;
    }
    return colors;
  }

  private get materials(): Material[] {
    if (this.builtIn)
      return [...new Set(this.meshes.flatMap((mesh) => (mesh.material ? [mesh.material] : [])))];
    return this.models.flatMap((model) => model.container.materials);
  }

  private get skeletons(): Skeleton[] {
    return this.models.flatMap((model) => model.container.skeletons);
  }

  /** Sets the base color of each named material; names that match no material are ignored. */
  applyColors(colors: Readonly<Record<string, string>>): void {
    const byName = new Map(Object.entries(colors).map(([name, hex]) => [name.toLowerCase(), hex]));
    if (byName.size === 0) return;
    for (const material of this.materials) {
      const hex = byName.get(material.name.toLowerCase());
      if (hex && /^#[0-9a-f]{6}$/i.test(hex)) setBaseColor(material, hex);
    }
  }

  /** Sets morph target weights by target name, clamped to 0..1; unknown names are ignored. */
  applyMorphs(weights: Readonly<Record<string, number>>): void {
    this.morphs = { ...this.morphs, ...weights };
    const byName = new Map(Object.entries(this.morphs).map(([name, weight]) => [name.toLowerCase(), weight]));
    if (byName.size === 0) return;
    for (const mesh of this.meshes) {
      const manager = mesh.morphTargetManager;
      for (let i = 0; i < (manager?.numTargets ?? 0); i++) {
        const target = manager!.getTarget(i);
        const weight = byName.get(target.name.toLowerCase());
        if (weight !== undefined && Number.isFinite(weight))
          target.influence = Math.min(1, Math.max(0, weight));
      }
    }
  }

  /** Holds an animation still at a time; without a pose every clip is stopped (the rest pose). */
  pose(pose?: Pose | null): void {
    const groups = this.animationGroups;
    for (const group of groups) group.stop();
    if (!pose) return;
    const wanted = pose.animation?.toLowerCase();
    const group = wanted ? groups.find((g) => g.name.toLowerCase() === wanted) : groups[0];
    if (!group) {
      if (wanted || groups.length > 0) throw new PoseError(pose.animation ?? '', this.animationNames);
      return;
    }
    const fps = group.targetedAnimations[0]?.animation.framePerSecond ?? 60;
    const frame = Math.min(group.to, Math.max(group.from, group.from + Math.max(0, pose.time) * fps));
    // goToFrame only moves a started group: start it, hold it, then jump.
    group.start(false, 1, group.from, group.to);
    group.pause();
    group.goToFrame(frame);
    // A clip may animate morph weights too: the weights asked for win over the clip's.
    this.applyMorphs({});
  }

  /** World bounds as drawn now: world matrices and skeletons are brought up to date first. */
  bounds(): Bounds | null {
    const nodes: Node[] = this.builtIn
      ? [this.builtIn, ...this.builtIn.getDescendants(false)]
      : this.models.flatMap((model) => [...model.container.transformNodes, ...model.container.meshes]);
    const depth = (node: Node) => {
      let d = 0;
      for (let parent = node.parent; parent; parent = parent.parent) d++;
      return d;
    };
    for (const node of nodes.sort((a, b) => depth(a) - depth(b))) {
      (node as TransformNode).computeWorldMatrix?.(true);
    }
    for (const skeleton of this.skeletons) skeleton.prepare(true);
    return measureBounds(this.meshes);
  }

  /** World bounds of the base model alone (or the built-in shape): the size parts were made to fit. */
  baseBounds(): Bounds | null {
    const all = this.bounds();
    const base = this.models[0];
    if (this.builtIn || !base || this.models.length === 1) return all;
    return measureBounds(base.container.meshes);
  }

  dispose(): void {
    // Parts first: some of their nodes may have moved under the base's.
    for (const model of [...this.models].reverse()) model.dispose();
    this.builtIn?.dispose(false, true);
  }
}

function setBaseColor(material: Material, hex: string): void {
  const color = Color3.FromHexString(hex);
  const target = material as Material & { albedoColor?: Color3; baseColor?: Color3; diffuseColor?: Color3 };
  // PBR colors are linear (glTF's baseColorFactor); the standard material's diffuse is in gamma space.
  if (target.albedoColor) target.albedoColor = color.toLinearSpace();
  else if (target.baseColor) target.baseColor = color.toLinearSpace();
  else if (target.diffuseColor) target.diffuseColor = color;
}

function baseColorOf(material: Material): string | null {
  const target = material as Material & { albedoColor?: Color3; baseColor?: Color3; diffuseColor?: Color3 };
  if (target.albedoColor) return target.albedoColor.toGammaSpace().toHexString();
  if (target.baseColor) return target.baseColor.toGammaSpace().toHexString();
  if (target.diffuseColor) return target.diffuseColor.toHexString();
  return null;
}

/**
 * One model through its URLs in turn. Resolves to null when every URL failed and a fallback listener
 * takes the loss; rejects with the last error otherwise (or at once when aborted).
 */
async function loadWithAlternates(
  scene: Scene,
  ref: ModelRef,
  model: ModelFallback['model'],
  options: LoadAvatarOptions,
): Promise<LoadedModel | null> {
  const urls = [ref.url, ...(ref.alternates ?? [])];
  let lastError: unknown;
  for (let i = 0; i < urls.length; i++) {
    const url = urls[i]!;
    try {
      return await loadModel(scene, url, options.signal ? { signal: options.signal } : {});
    } catch (error) {
      if (options.signal?.aborted) throw error;
      lastError = error;
      options.onFallback?.({ model, failedUrl: url, error, nextUrl: urls[i + 1] ?? null });
    }
  }
  if (options.onFallback) return null;
  throw lastError;
}
