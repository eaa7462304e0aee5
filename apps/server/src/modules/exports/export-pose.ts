import type { AssetMetadata } from '@avatar/asset-core';
import type { ExportPose } from '@avatar/contracts';
import { AppError } from '../../http/errors.ts';
import type { AvatarForExport } from '../avatars/avatars.service.ts';

/**
 * Refuses, before anything is counted or queued, a pose naming an animation the avatar's base model
 * does not have: composition keeps only the base's animations, and the catalog lists them. When the
 * listing was capped and the name is not in it, the converter checks it against the file itself.
 */
export function assertPoseExists(avatar: AvatarForExport, pose: ExportPose | undefined): void {
  if (!pose) return;
  const metadata = (avatar.model?.metadata ?? null) as Partial<AssetMetadata> | null;
  // No inspect report (a row from an older release): the converter checks against the file itself.
  if (!Array.isArray(metadata?.animations) || typeof metadata.counts?.animations !== 'number') return;
  const listed = metadata.animations.map((a) => a.name);
  if (listed.includes(pose.animation) || metadata.counts.animations > listed.length) return;
  throw new AppError(
    'UNPROCESSABLE_CONTENT',
    'VALIDATION_FAILED',
    listed.length > 0
      ? `Your avatar has no animation named "${pose.animation}". Choose one of: ${listed.join(', ')}; or leave the pose out for the bind pose.`
      : `Your avatar has no animations, so it has no "${pose.animation}" pose. Leave the pose out for the bind pose.`,
    { details: { field: 'pose.animation', animations: listed } },
  );
}
