import type { Document } from '@gltf-transform/core';
import { PropertyType } from '@gltf-transform/core';

export interface KeepPosedAnimationReport {
  /** Animations removed from the document. */
  removed: number;
}

/**
 * Removes the animations a still image does not show, with the keyframe data only they used: all of
 * them without a pose (the render page then draws the rest transforms, as it did with them loaded and
 * stopped), all but the posed clip with one. The render page would otherwise fetch, parse and build every
 * clip for nothing: on the benchmark's avatar that was 61% of the low GLB and a third of the page's load time.
 *
 * The clip is found as the render page finds it: by name, case-insensitive, the first match (the first
 * clip when the pose names none). When none matches, every animation is kept, so that the page refuses
 * the pose with the names it has, as before.
 * Modifies the document in place.
 */
export function keepPosedAnimation(
  document: Document,
  pose?: { animation?: string },
): KeepPosedAnimationReport {
  const root = document.getRoot();
  const animations = root.listAnimations();
  if (animations.length === 0) return { removed: 0 };
  let kept = null;
  if (pose) {
    const wanted = pose.animation?.toLowerCase();
    kept = wanted
      ? (animations.find((animation) => animation.getName().toLowerCase() === wanted) ?? null)
      : animations[0]!;
    if (!kept) return { removed: 0 };
  }
  const orphans = new Set(
    animations
      .filter((animation) => animation !== kept)
      .flatMap((animation) => animation.listSamplers())
      .flatMap((sampler) => [sampler.getInput(), sampler.getOutput()])
      .filter((accessor) => accessor !== null),
  );
  let removed = 0;
  for (const animation of animations) {
    if (animation === kept) continue;
    for (const sampler of animation.listSamplers()) sampler.dispose();
    for (const channel of animation.listChannels()) channel.dispose();
    animation.dispose();
    removed++;
  }
  // Keyframe accessors that nothing else refers to any more (a kept clip or a mesh may share one).
  for (const accessor of orphans) {
    const users = accessor.listParents().filter((parent) => parent.propertyType !== PropertyType.ROOT);
    if (users.length === 0) accessor.dispose();
  }
  return { removed };
}
