import { z } from 'zod';

/** Image sizes the render service accepts, in pixels, per side. */
export const RENDER_MIN_SIZE = 64;
export const RENDER_MAX_SIZE = 2048;

export const renderFormats = ['png', 'jpg'] as const;
export const RenderFormat = z.enum(renderFormats);
export type RenderFormat = z.infer<typeof RenderFormat>;

export const cameraPresets = ['front', 'three-quarter', 'portrait', 'full-body'] as const;
export const CameraPreset = z.enum(cameraPresets);
export type CameraPreset = z.infer<typeof CameraPreset>;

export const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Colors look like #rrggbb');

const Name = z.string().min(1).max(120);
const Side = z.number().int().min(RENDER_MIN_SIZE).max(RENDER_MAX_SIZE);

/** A preset shot, or explicit angles in degrees (yaw turns around the model, pitch looks down). */
export const RenderCamera = z.union([
  z.object({ preset: CameraPreset }).strict(),
  z
    .object({
      yaw: z.number().min(-360).max(360),
      pitch: z.number().min(-89).max(89),
      fov: z.number().min(5).max(100).default(30),
    })
    .strict(),
]);
export type RenderCamera = z.infer<typeof RenderCamera>;

/** An animation held still at `time` seconds: the model's first clip when `name` is absent. */
export const RenderPose = z.object({ name: Name.optional(), time: z.number().min(0).max(3600).default(0) });
export type RenderPose = z.infer<typeof RenderPose>;

/** Morph target name -> weight 0..1 (an expression). */
export const MorphWeights = z.record(Name, z.number().min(0).max(1));

/** How the image looks, whatever it shows. */
export const RenderOptions = z.object({
  width: Side.default(512),
  height: Side.default(512),
  format: RenderFormat.default('png'),
  /** JPEG quality, 1..100; ignored for PNG. */
  quality: z.number().int().min(1).max(100).default(90),
  /** `transparent` (PNG only: a JPEG has no alpha, so it gets a white background) or `#rrggbb`. */
  background: z.union([z.literal('transparent'), HexColor]).default('transparent'),
  camera: RenderCamera.default({ preset: 'three-quarter' }),
  animation: RenderPose.optional(),
  morphs: MorphWeights.optional(),
});
export type RenderOptions = z.infer<typeof RenderOptions>;

/** What a client may ask to see: its own avatar, or one catalog asset. */
export const RenderSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('avatar') }),
  z.object({ kind: z.literal('asset'), assetId: z.uuid() }),
]);
export type RenderSubject = z.infer<typeof RenderSubject>;

/** `POST /api/v1/render`. */
export const RenderInput = RenderOptions.extend({ subject: RenderSubject });
export type RenderInput = z.infer<typeof RenderInput>;

export const RenderOutput = z.object({
  url: z.string(),
  contentType: z.enum(['image/png', 'image/jpeg']),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  /** True when an identical earlier request's image was served. */
  cached: z.boolean(),
});
export type RenderOutput = z.infer<typeof RenderOutput>;

/**
 * A model the render page loads. `url` is what the page fetches (same-origin); `contentHash` (the
 * stored object's sha256) identifies the bytes for the cache, since signed URLs change on every call.
 */
export const RenderModel = z.object({
  url: z.string().min(1).max(4096),
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type RenderModel = z.infer<typeof RenderModel>;

/** An avatar as the editor draws it; no base model draws the built-in fallback shape. */
export const RenderScene = z.object({
  base: RenderModel.nullable().default(null),
  parts: z
    .array(RenderModel.extend({ socket: Name.optional() }))
    .max(16)
    .default([]),
  /** Material name -> base color. */
  colors: z.record(Name, HexColor).default({}),
  morphs: MorphWeights.default({}),
});
export type RenderScene = z.infer<typeof RenderScene>;

/** What the server hands the render page: a resolved scene and how to draw it. */
export const RenderPageRequest = RenderOptions.extend({ scene: RenderScene });
export type RenderPageRequest = z.infer<typeof RenderPageRequest>;

export const renderPageErrorCodes = [
  'BAD_REQUEST',
  'MODEL_NOT_FOUND',
  'MODEL_FETCH_FAILED',
  'MODEL_INVALID',
  'EMPTY_MODEL',
  'ANIMATION_NOT_FOUND',
  'CONTEXT_LOST',
  'RENDER_FAILED',
] as const;
export type RenderPageErrorCode = (typeof renderPageErrorCodes)[number];

/** What `window.__render(request)` resolves to in the render page (it never rejects on its own). */
export type RenderPageResult =
  | {
      ok: true;
      /** The encoded image, base64 without a `data:` prefix. */
      base64: string;
      mimeType: 'image/png' | 'image/jpeg';
      width: number;
      height: number;
      /** Every pixel is background: nothing was drawn (a GPU-process crash does this). */
      blank: boolean;
      /** Fetch, parse and prepare; draw and read back; encode. */
      timings: { loadMs: number; renderMs: number; encodeMs: number };
    }
  | { ok: false; code: RenderPageErrorCode; message: string };
