import { type Document, type Node, WebIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';

export type Pose = Map<string, { t: number[]; r: number[]; s: number[]; w: number[] }>;

export async function readDocument(bytes: Uint8Array, dependencies: Record<string, unknown> = {}) {
  return new WebIO()
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies(dependencies)
    .readBinary(new Uint8Array(bytes));
}

/** Clip name -> [start, end] in seconds. */
export function clipSpans(document: Document): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  for (const animation of document.getRoot().listAnimations()) {
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const sampler of animation.listSamplers()) {
      const times = sampler.getInput()?.getArray();
      if (!times?.length) continue;
      start = Math.min(start, times[0]!);
      end = Math.max(end, times[times.length - 1]!);
    }
    spans.set(animation.getName(), [start, end]);
  }
  return spans;
}

/**
 * The local transform (and morph weights) of every named node at `time` of clip `name`, from the rest
 * pose plus the clip's channels: what a player shows when it plays the clip from the rest pose.
 */
export function poseAt(document: Document, name: string, time: number): Pose {
  const pose: Pose = new Map();
  const entry = (node: Node) => {
    let e = pose.get(node.getName());
    if (!e) {
      e = { t: node.getTranslation(), r: node.getRotation(), s: node.getScale(), w: node.getWeights() };
      pose.set(node.getName(), e);
    }
    return e;
  };
  for (const node of document.getRoot().listNodes()) if (node.getName() && !node.getMesh()) entry(node);
  const animation = document
    .getRoot()
    .listAnimations()
    .find((a) => a.getName() === name);
  for (const channel of animation?.listChannels() ?? []) {
    const node = channel.getTargetNode();
    const sampler = channel.getSampler();
    if (!node?.getName() || node.getMesh() || !sampler) continue;
    const input = sampler.getInput()!;
    const output = sampler.getOutput()!;
    const times = input.getArray()!;
    const keys = times.length;
    const stride = (output.getCount() * output.getElementSize()) / keys;
    const at = (k: number) => {
      const out: number[] = [];
      const per = output.getElementSize();
      for (let e = 0; e < stride / per; e++) out.push(...output.getElement(k * (stride / per) + e, []));
      return out;
    };
    let value: number[];
    if (time <= times[0]! || keys === 1) value = at(0);
    else if (time >= times[keys - 1]!) value = at(keys - 1);
    else {
      let k = 0;
      while (times[k + 1]! < time) k++;
      const u = (time - times[k]!) / (times[k + 1]! - times[k]!);
      const a = at(k);
      const b = at(k + 1);
      if (sampler.getInterpolation() === 'STEP') value = a;
      else {
        const path = channel.getTargetPath();
        const sign = path === 'rotation' && dot(a, b) < 0 ? -1 : 1;
        value = a.map((x, i) => x + (sign * b[i]! - x) * u);
        if (path === 'rotation') value = normalize(value);
      }
    }
    const e = entry(node);
    const path = channel.getTargetPath();
    if (path === 'translation') e.t = value;
    else if (path === 'rotation') e.r = value;
    else if (path === 'scale') e.s = value;
    else if (path === 'weights') e.w = value;
  }
  return pose;
}

/**
 * Largest difference between two poses: rotation angle in radians, translation relative to the largest
 * translation in the pose (the skeleton's scale), scale and morph weights absolute.
 */
export function poseDistance(
  a: Pose,
  b: Pose,
): { rotation: number; translation: number; scale: number; weights: number } {
  const worst = { rotation: 0, translation: 0, scale: 0, weights: 0 };
  let extent = 1e-9;
  for (const x of a.values()) extent = Math.max(extent, ...x.t.map(Math.abs));
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y) throw new Error(`node ${name} is missing`);
    worst.rotation = Math.max(
      worst.rotation,
      2 * Math.acos(Math.min(1, Math.abs(dot(normalize(x.r), normalize(y.r))))),
    );
    worst.translation = Math.max(worst.translation, ...x.t.map((v, i) => Math.abs(v - y.t[i]!) / extent));
    worst.scale = Math.max(worst.scale, ...x.s.map((v, i) => Math.abs(v - y.s[i]!)));
    worst.weights = Math.max(worst.weights, 0, ...x.w.map((v, i) => Math.abs(v - (y.w[i] ?? 0))));
  }
  return worst;
}

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, v, i) => sum + v * b[i]!, 0);
}

function normalize(q: number[]): number[] {
  const length = Math.hypot(...q) || 1;
  return q.map((v) => v / length);
}
