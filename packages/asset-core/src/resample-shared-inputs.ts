import {
  type Accessor,
  AnimationChannel,
  type AnimationSampler,
  type Document,
  type Transform,
} from '@gltf-transform/core';
import { channelTolerance, isThinnable } from './animation-tolerance.ts';

export interface ResampleSharedInputsOptions {
  /** See `channelTolerance`. */
  tolerance: number;
}

/**
 * Removes keyframes that interpolation would reproduce anyway, like glTF-Transform's `resample`, but per
 * group of samplers that share one input (keyframe times): a time goes only when every sampler of the
 * group can lose it. glTF-Transform's version thins each sampler on its own, which splits a shared input
 * into one input per channel: on baked skeletal clips (one time list for 60 bones) that grew the files it
 * was meant to shrink. Rotations are compared component-wise, which for keys this close matches slerp.
 */
export function resampleSharedInputs(options: ResampleSharedInputsOptions): Transform {
  return (document: Document) => {
    const groups = new Map<Accessor, AnimationSampler[]>();
    for (const animation of document.getRoot().listAnimations()) {
      for (const sampler of animation.listSamplers()) {
        const input = sampler.getInput();
        if (!input || !sampler.getOutput()) continue;
        const group = groups.get(input) ?? [];
        group.push(sampler);
        groups.set(input, group);
      }
    }
    for (const [input, samplers] of groups) {
      // Thin only when this group is everything that reads the input, and every sampler allows it.
      const readers = input.listParents().filter((p) => p.propertyType === 'AnimationSampler');
      if (readers.length !== samplers.length || !samplers.every(isThinnable)) continue;
      thin(input, samplers, options.tolerance);
    }
  };
}

interface Track {
  sampler: AnimationSampler;
  values: ArrayLike<number>;
  stride: number;
  step: boolean;
  tolerance: number;
}

function thin(input: Accessor, samplers: AnimationSampler[], tolerance: number): void {
  const times = input.getArray();
  const count = input.getCount();
  if (!times || count < 3) return;
  const tracks: Track[] = [];
  for (const sampler of samplers) {
    const values = sampler.getOutput()!.getArray()!;
    if (values.length % count !== 0) return;
    // An output shared with another sampler would be thinned twice, to different times.
    if (
      sampler
        .getOutput()!
        .listParents()
        .filter((p) => p.propertyType === 'AnimationSampler').length > 1
    )
      return;
    const channel = sampler.listParents().find((p): p is AnimationChannel => p instanceof AnimationChannel);
    tracks.push({
      sampler,
      values,
      stride: values.length / count,
      step: sampler.getInterpolation() === 'STEP',
      tolerance: channelTolerance(channel?.getTargetPath() ?? null, values, tolerance),
    });
  }

  const keep: number[] = [0];
  let last = 0;
  for (let i = 1; i < count - 1; i++) {
    const span = times[i + 1]! - times[last]!;
    const u = span > 0 ? (times[i]! - times[last]!) / span : 0;
    const needed = tracks.some(({ values, stride, step, tolerance: tol }) => {
      for (let j = 0; j < stride; j++) {
        const a = values[last * stride + j]!;
        const b = values[(i + 1) * stride + j]!;
        const predicted = step ? a : a + (b - a) * u;
        if (Math.abs(predicted - values[i * stride + j]!) > tol) return true;
      }
      return false;
    });
    if (needed) {
      keep.push(i);
      last = i;
    }
  }
  keep.push(count - 1);
  if (keep.length === count) return;

  input.setArray(Float32Array.from(keep, (i) => times[i]!));
  for (const { sampler, values, stride } of tracks) {
    const output = sampler.getOutput()!;
    const source = output.getArray()!;
    const kept = new (source.constructor as Float32ArrayConstructor)(keep.length * stride);
    keep.forEach((from, to) => {
      for (let j = 0; j < stride; j++) kept[to * stride + j] = values[from * stride + j]!;
    });
    output.setArray(kept);
  }
}
