import type { Document, mat4, Node } from '@gltf-transform/core';
import { invert, multiply } from './mat4.ts';

export type AvatarPose = { kind: 'bind' } | { kind: 'animation'; animation: string; seconds: number };

export interface PoseAvatarReport {
  /** False when the animation named was not found; the document is then left as it was. */
  posed: boolean;
  /** Every animation, for `pose=name@seconds` to name one. */
  animations: string[];
}

/**
 * Bakes a pose into the nodes' rest transforms: the skeleton's bind pose (where the inverse bind
 * matrices say each joint was), or one animation sampled at `seconds` (clamped to its length). The
 * animations are then removed, so a viewer that plays the first animation on load still shows the pose.
 */
export function poseAvatar(document: Document, pose: AvatarPose): PoseAvatarReport {
  const root = document.getRoot();
  const animations = root.listAnimations().map((a) => a.getName());
  if (pose.kind === 'bind') {
    bindPose(document);
  } else {
    const animation = root.listAnimations().find((a) => a.getName() === pose.animation);
    if (!animation) return { posed: false, animations };
    for (const channel of animation.listChannels()) {
      const node = channel.getTargetNode();
      const sampler = channel.getSampler();
      const input = sampler?.getInput()?.getArray();
      const output = sampler?.getOutput()?.getArray();
      if (!node || !sampler || !input || !output || input.length === 0) continue;
      const path = channel.getTargetPath();
      const size =
        path === 'rotation'
          ? 4
          : path === 'weights'
            ? output.length / input.length / cubicBlocks(sampler)
            : 3;
      const value = sample(input, output, size, pose.seconds, sampler.getInterpolation());
      if (path === 'rotation') node.setRotation(normalize(value) as [number, number, number, number]);
      else if (path === 'translation') node.setTranslation(value as [number, number, number]);
      else if (path === 'scale') node.setScale(value as [number, number, number]);
      else if (path === 'weights') setWeights(node, value);
    }
  }
  for (const animation of root.listAnimations()) animation.dispose();
  return { posed: true, animations };
}

function cubicBlocks(sampler: { getInterpolation(): string }): number {
  return sampler.getInterpolation() === 'CUBICSPLINE' ? 3 : 1;
}

function setWeights(node: Node, weights: number[]) {
  const mesh = node.getMesh();
  if (node.getWeights().length > 0 || !mesh) node.setWeights(weights);
  else mesh.setWeights(weights);
}

/** The channel's value at `t`: STEP, LINEAR (normalized lerp for rotations) or CUBICSPLINE (Hermite). */
function sample(
  input: ArrayLike<number>,
  output: ArrayLike<number>,
  size: number,
  t: number,
  interpolation: string,
): number[] {
  const n = input.length;
  const cubic = interpolation === 'CUBICSPLINE';
  const valueAt = (k: number) =>
    Array.from({ length: size }, (_, j) => output[(cubic ? k * 3 + 1 : k) * size + j]!);
  const time = Math.min(input[n - 1]!, Math.max(input[0]!, t));
  let k = 0;
  while (k < n - 2 && input[k + 1]! <= time) k++;
  if (n === 1 || interpolation === 'STEP') return valueAt(input[k + 1]! <= time ? Math.min(k + 1, n - 1) : k);
  const t0 = input[k]!;
  const t1 = input[k + 1]!;
  const dt = t1 - t0;
  const s = dt > 0 ? (time - t0) / dt : 0;
  const v0 = valueAt(k);
  const v1 = valueAt(k + 1);
  if (!cubic) {
    if (size === 4) {
      // Shortest arc between quaternions.
      const dot = v0.reduce((sum, v, j) => sum + v * v1[j]!, 0);
      const sign = dot < 0 ? -1 : 1;
      return v0.map((v, j) => v + (sign * v1[j]! - v) * s);
    }
    return v0.map((v, j) => v + (v1[j]! - v) * s);
  }
  const out0 = (j: number) => output[(k * 3 + 2) * size + j]! * dt;
  const in1 = (j: number) => output[(k + 1) * 3 * size + j]! * dt;
  const s2 = s * s;
  const s3 = s2 * s;
  return v0.map(
    (v, j) =>
      (2 * s3 - 3 * s2 + 1) * v +
      (s3 - 2 * s2 + s) * out0(j) +
      (-2 * s3 + 3 * s2) * v1[j]! +
      (s3 - s2) * in1(j),
  );
}

function normalize(q: number[]): number[] {
  const len = Math.hypot(...q) || 1;
  return q.map((v) => v / len);
}

/** Each joint where its inverse bind matrix says it was bound, parents first. */
function bindPose(document: Document): void {
  const bind = new Map<Node, mat4>();
  for (const skin of document.getRoot().listSkins()) {
    const ibm = skin.getInverseBindMatrices();
    skin.listJoints().forEach((joint, i) => {
      if (!ibm || bind.has(joint)) return;
      const world = invert(ibm.getElement(i, []) as unknown as mat4);
      if (world) bind.set(joint, world);
    });
  }
  const depth = (node: Node) => {
    let d = 0;
    for (let p = node.getParentNode(); p; p = p.getParentNode()) d++;
    return d;
  };
  for (const joint of [...bind.keys()].sort((a, b) => depth(a) - depth(b))) {
    const parent = joint.getParentNode();
    const parentInverse = parent ? invert(parent.getWorldMatrix()) : null;
    const local = parentInverse ? multiply(parentInverse, bind.get(joint)!) : bind.get(joint)!;
    joint.setMatrix(local);
  }
}
