import type { AnimationChannel, AnimationSampler } from '@gltf-transform/core';

/**
 * How far two keyframe values may differ and still count as equal, for one channel. Rotations (unit
 * quaternions) and morph weights (0..1) compare absolutely; translations and scales relative to the
 * largest value in the channel, since bone units vary by orders of magnitude between exporters.
 */
export function channelTolerance(
  path: ReturnType<AnimationChannel['getTargetPath']>,
  values: ArrayLike<number>,
  tolerance: number,
): number {
  if (path === 'rotation' || path === 'weights') return tolerance;
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]!));
  return tolerance * Math.max(largest, 1e-6);
}

/** LINEAR and STEP samplers can be thinned key by key; CUBICSPLINE ones carry tangents and are left alone. */
export function isThinnable(sampler: AnimationSampler): boolean {
  const interpolation = sampler.getInterpolation();
  return interpolation === 'LINEAR' || interpolation === 'STEP';
}
