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

export interface ModelRef {
  url: string;
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
  }

  /** The built-in fallback shape, drawn when an avatar has no model. */
  static builtIn(scene: Scene): AvatarModel {
    return new AvatarModel([], createDefaultAvatar(scene), []);
  }

  /** Loads the base and its parts in parallel and assembles them; nothing is left behind on failure. */
  static async load(
    scene: Scene,
    spec: AvatarSpec,
    options: { signal?: AbortSignal } = {},
  ): Promise<AvatarModel> {
    const refs = spec.base ? [spec.base, ...(spec.parts ?? [])] : [];
    const settled = await Promise.allSettled(refs.map((ref) => loadModel(scene, ref.url, options)));
    const loaded = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure || options.signal?.aborted) {
      for (const model of loaded) model.dispose();
      throw failure ? failure.reason : options.signal?.reason;
    }
    let model: AvatarModel;
    if (loaded.length === 0) {
      model = AvatarModel.builtIn(scene);
    } else {
      const [base, ...parts] = loaded as [LoadedModel, ...LoadedModel[]];
      base.container.addAllToScene();
      const attachments = parts.map((part, i) => {
        part.container.addAllToScene();
        return attachPart(base, part, spec.parts?.[i]?.socket);
      });
      model = new AvatarModel(loaded, null, attachments);
    }
    model.applyColors(spec.colors ?? {});
    model.applyMorphs(spec.morphs ?? {});
    return model;
  }

  /** The top node of the avatar: the built-in shape's root, or the base model's `__root__`. */
  get root(): TransformNode | null {
    return this.builtIn ?? this.models[0]?.root ?? null;
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
