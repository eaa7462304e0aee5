import type { Accessor, AnimationChannel, Document, Node, Transform } from '@gltf-transform/core';
import { channelTolerance, isThinnable } from './animation-tolerance.ts';

export interface CompactAnimationChannelsOptions {
  /** See `channelTolerance`: absolute for rotations and weights, relative for translations and scales. */
  tolerance: number;
}

interface Constant {
  channel: AnimationChannel;
  value: number[];
  /** The value is the node's own (rest) value, so the channel changes nothing while its clip plays. */
  atRest: boolean;
}

/**
 * Channels whose every keyframe holds the same value: exporters bake them for every bone (Blender writes
 * translation, rotation and scale for all of them), and they are most of a clip's bytes and JSON. A
 * constant channel at the node's rest value is removed, as gltfpack does; any other constant channel keeps
 * one keyframe. Each clip keeps its first and last key times, so its duration does not change, and at
 * least one channel. Cubic spline channels are left as they are.
 *
 * A removed channel no longer resets its node when a player switches clips without resetting the pose;
 * players that reset (or play from the rest pose) see no difference.
 */
export function compactAnimationChannels(options: CompactAnimationChannelsOptions): Transform {
  return (document: Document) => {
    for (const animation of document.getRoot().listAnimations()) {
      const channels = animation.listChannels();
      let start = Number.POSITIVE_INFINITY;
      let end = Number.NEGATIVE_INFINITY;
      const constants: Constant[] = [];
      let keptStart = Number.POSITIVE_INFINITY;
      let keptEnd = Number.NEGATIVE_INFINITY;
      for (const channel of channels) {
        const input = channel.getSampler()?.getInput();
        const times = input?.getArray();
        if (!times || times.length === 0) continue;
        start = Math.min(start, times[0]!);
        end = Math.max(end, times[times.length - 1]!);
        const constant = constantValue(channel, options.tolerance);
        if (constant) {
          constants.push(constant);
        } else {
          keptStart = Math.min(keptStart, times[0]!);
          keptEnd = Math.max(keptEnd, times[times.length - 1]!);
        }
      }
      if (constants.length === 0) continue;

      // The clip's time span must survive: if what remains does not cover it, one constant channel keeps
      // two keys, at the clip's first and last time (preferably one that stays anyway).
      const spanLost = !(keptStart <= start && keptEnd >= end);
      const spanKeeper = spanLost ? (constants.find((c) => !c.atRest) ?? constants[0]) : undefined;
      for (const constant of constants) {
        const { channel, value } = constant;
        if (constant === spanKeeper) {
          setKeys(document, channel, end > start ? [start, end] : [start], value);
        } else if (constant.atRest) {
          const sampler = channel.getSampler();
          channel.dispose();
          if (sampler && !animation.listChannels().some((c) => c.getSampler() === sampler)) sampler.dispose();
        } else {
          setKeys(document, channel, [channel.getSampler()!.getInput()!.getArray()![0]!], value);
        }
      }
    }
  };
}

function constantValue(channel: AnimationChannel, tolerance: number): Constant | null {
  const sampler = channel.getSampler();
  const input = sampler?.getInput();
  const output = sampler?.getOutput();
  if (!sampler || !input || !output || !isThinnable(sampler)) return null;
  const keys = input.getCount();
  const values = output.getArray();
  if (keys === 0 || !values || values.length % keys !== 0) return null;
  const stride = values.length / keys;
  const path = channel.getTargetPath();
  const tol = channelTolerance(path, values, tolerance);
  for (let k = 1; k < keys; k++) {
    for (let j = 0; j < stride; j++) {
      if (Math.abs(values[k * stride + j]! - values[j]!) > tol) return null;
    }
  }
  const value: number[] = Array.from(values.subarray(0, stride) as ArrayLike<number>);
  const rest = restValue(channel.getTargetNode(), path, stride);
  let atRest = rest !== null && near(value, rest, tol);
  // q and -q are the same rotation; with a single key nothing interpolates between them.
  if (!atRest && rest && path === 'rotation')
    atRest = near(
      value.map((v) => -v),
      rest,
      tol,
    );
  return { channel, value, atRest };
}

function restValue(node: Node | null, path: string | null, stride: number): number[] | null {
  if (!node) return null;
  if (path === 'translation') return node.getTranslation();
  if (path === 'rotation') return node.getRotation();
  if (path === 'scale') return node.getScale();
  if (path === 'weights') {
    const own = node.getWeights();
    const weights = own.length > 0 ? own : (node.getMesh()?.getWeights() ?? []);
    return Array.from({ length: stride }, (_, i) => weights[i] ?? 0);
  }
  return null;
}

function near(a: number[], b: number[], tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

/** New input and output accessors (the old ones may be shared), holding `value` at each of `times`. */
function setKeys(document: Document, channel: AnimationChannel, times: number[], value: number[]): void {
  const sampler = channel.getSampler()!;
  const input = sampler.getInput()!;
  const output = sampler.getOutput()!;
  const outArray = new (output.getArray()!.constructor as Float32ArrayConstructor)(
    times.length * value.length,
  );
  times.forEach((_, i) => {
    outArray.set(value, i * value.length);
  });
  const newInput = copyAccessor(document, input).setArray(new Float32Array(times));
  const newOutput = copyAccessor(document, output).setArray(outArray);
  // A sampler shared by other channels keeps serving them.
  const own =
    sampler.listParents().filter((p) => p.propertyType === 'AnimationChannel').length > 1
      ? sampler.clone()
      : sampler;
  own.setInput(newInput).setOutput(newOutput);
  channel.setSampler(own);
}

function copyAccessor(document: Document, accessor: Accessor): Accessor {
  return document
    .createAccessor(accessor.getName())
    .setType(accessor.getType())
    .setNormalized(accessor.getNormalized())
    .setBuffer(accessor.getBuffer());
}
