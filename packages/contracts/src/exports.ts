import { z } from 'zod';
import { HexColor, RenderCamera } from './render.ts';

/** Every format the export dialog offers; `exportFormatInfo` says which ones the server can make yet. */
export const exportFormats = ['glb', 'obj', 'fbx', 'svg', 'png', 'jpg'] as const;
export const ExportFormat = z.enum(exportFormats);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const exportFormatDescriptions: Record<ExportFormat, string> = {
  glb: 'glTF Binary: the 3D model with materials, skeleton and animations in one file, for games and viewers.',
  obj: 'Wavefront OBJ with its MTL materials and textures, in a zip: a static model almost every 3D tool opens.',
  fbx: 'Autodesk FBX: the model with its skeleton, for Unity, Unreal and Blender.',
  svg: 'A flat-shaded vector drawing of the avatar from the chosen camera, for print and scalable graphics.',
  png: 'A picture of the avatar with a transparent background.',
  jpg: 'A picture of the avatar, small to share.',
};

export const exportQualities = ['low', 'medium', 'high'] as const;
export const ExportQuality = z.enum(exportQualities);
export type ExportQuality = z.infer<typeof ExportQuality>;

export const exportStatuses = ['pending', 'processing', 'completed', 'failed'] as const;
export const ExportStatus = z.enum(exportStatuses);
export type ExportStatus = z.infer<typeof ExportStatus>;

export const ExportMode = z.enum(['sync', 'async']);
export type ExportMode = z.infer<typeof ExportMode>;

/**
 * Why an export failed, as a user may see it: the code for a client to branch on, with a fixed message
 * (no internal ids, status codes or stack traces; the request id links it to the logs).
 */
export const exportErrorCodes = [
  'COMPOSE_FAILED',
  'STORAGE_UNAVAILABLE',
  'CANCELLED',
  'INTERRUPTED',
  'INTERNAL',
] as const;
export const ExportErrorCode = z.enum(exportErrorCodes);
export type ExportErrorCode = z.infer<typeof ExportErrorCode>;

export const exportErrorMessages: Record<ExportErrorCode, string> = {
  COMPOSE_FAILED:
    'Your avatar could not be put together in this format. Try another quality or other parts, or try again later.',
  STORAGE_UNAVAILABLE: 'We could not save your export just now. Please try again in a few minutes.',
  CANCELLED: 'The export stopped because the connection closed before it was ready.',
  INTERRUPTED: 'The export was interrupted. Please start it again.',
  INTERNAL: 'Something went wrong while exporting. Please try again.',
};

/**
 * Which pose static formats (OBJ, SVG, PNG, JPG) show: one animation clip held still at `time` seconds.
 * Absent: the bind pose. A name the avatar has no animation for is refused with 422.
 */
export const ExportPose = z
  .object({
    animation: z.string().min(1).max(120),
    time: z.number().min(0).max(3600).default(0),
  })
  .strict();
export type ExportPose = z.infer<typeof ExportPose>;

/** How a drawn format (SVG, PNG, JPG) looks; kept with the export so a queued job draws the same. */
export const ExportOptions = z.object({
  /** SVG, PNG, JPG: the render request's camera presets or angles; `three-quarter` when absent. */
  camera: RenderCamera.optional(),
  /** PNG, JPG, SVG: `transparent` (a JPEG gets white) or `#rrggbb`. */
  background: z.union([z.literal('transparent'), HexColor]).optional(),
  pose: ExportPose.optional(),
});
export type ExportOptions = z.infer<typeof ExportOptions>;

export const CreateExportInput = ExportOptions.extend({
  format: ExportFormat,
  quality: ExportQuality.default('medium'),
  /** True: queue it and follow it by id. False: wait for the file (within a time budget). */
  async: z.boolean().default(false),
});
export type CreateExportInput = z.infer<typeof CreateExportInput>;

export const ExportIdInput = z.object({ id: z.uuid('Export ids are UUIDs') });
export const ListExportsInput = z.object({
  limit: z.coerce.number().int().min(1, 'limit is at least 1').max(50, 'limit is at most 50').default(20),
});
export type ListExportsInput = z.infer<typeof ListExportsInput>;

export const Export = z.object({
  id: z.uuid(),
  format: ExportFormat,
  quality: ExportQuality,
  /** `async` also for a sync request that ran past its time budget and was handed to the queue. */
  mode: ExportMode,
  status: ExportStatus,
  /** When completed: a URL to download the file from (it expires; ask for the status again for a new one). */
  downloadUrl: z.string().nullable(),
  bytes: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  error: z.object({ code: ExportErrorCode, message: z.string() }).nullable(),
  /** Say this to support: it finds the request in the logs. */
  requestId: z.string().nullable(),
  /** Set when the server changed the plan, e.g. moved a slow sync export to the background. */
  notice: z.string().nullable(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
  /** The file is deleted after this. */
  expiresAt: z.iso.datetime(),
});
export type Export = z.infer<typeof Export>;

export const ExportFormatInfo = z.object({
  format: ExportFormat,
  description: z.string(),
  available: z.boolean(),
  extension: z.string(),
});
export const ExportFormatList = z.object({
  formats: z.array(ExportFormatInfo),
  qualities: z.array(
    z.object({ quality: ExportQuality, maxTriangles: z.number().int(), maxTextureSize: z.number().int() }),
  ),
  /** Exports a user may start per window. */
  rateLimit: z.object({ limit: z.number().int(), windowSeconds: z.number().int() }),
});
export type ExportFormatList = z.infer<typeof ExportFormatList>;

export const ExportHealth = z.object({
  /** `degraded`: the success rate over the last hour is below 80%; `unhealthy`: a dependency is down. */
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  checks: z.object({
    database: z.enum(['up', 'down']),
    storage: z.enum(['up', 'down']),
    /**
     * The render service PNG and JPG exports go through: `idle` until the first render starts it,
     * `down` when it cannot start (no Chromium), `disabled` in a process that renders nothing.
     * Down makes the pipeline `degraded`, not `unhealthy`: the other formats still work.
     */
    render: z.enum(['up', 'idle', 'starting', 'down', 'disabled']).optional(),
  }),
  lastHour: z.object({
    completed: z.number().int(),
    failed: z.number().int(),
    /** completed / (completed + failed), or null when nothing finished; cancelled exports do not count. */
    successRate: z.number().nullable(),
  }),
  checkedAt: z.iso.datetime(),
});
export type ExportHealth = z.infer<typeof ExportHealth>;

/** The caller's latest exports, newest first. */
export const ExportList = z.object({ items: z.array(Export) });
export type ExportList = z.infer<typeof ExportList>;
