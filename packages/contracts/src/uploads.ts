import { z } from 'zod';
import { Asset, AssetCategory, AssetKey, AssetName, AssetType, SemVer, Tags } from './catalog.ts';

/** The objects one asset is served as: the uploaded file and what the background job makes from it. */
export const assetVariants = ['original', 'optimized', 'low', 'medium'] as const;
export const AssetVariant = z.enum(assetVariants);
export type AssetVariant = z.infer<typeof AssetVariant>;

/** Tags as a multipart form sends them ("hair, short") or as a JSON array. */
const TagList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean)
      : value,
  Tags,
);

/** The catalog fields of an upload: the multipart form fields of `POST /resources/upload` besides `file`. */
export const UploadFields = z.object({
  type: AssetType,
  category: AssetCategory,
  name: AssetName,
  key: AssetKey,
  version: SemVer.default('1.0.0'),
  tags: TagList.default([]),
});
export type UploadFields = z.infer<typeof UploadFields>;

/**
 * A file name as the uploader's disk had it. Only shown back, never used as a storage key, but a name that
 * tries to climb directories (`../`) or carries control characters says the client is not a browser.
 */
export const UploadFilename = z
  .string()
  .min(1, 'The file has no name')
  .max(255, 'File names have at most 255 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  .refine((name) => !/[\u0000-\u001f\u007f/\\]/.test(name) && !name.includes('..'), {
    message: 'The file name must be a plain name: no "/", "\\", ".." or control characters',
  });

export const ValidationIssue = z.object({
  source: z.enum(['container', 'limit', 'khronos']),
  code: z.string(),
  message: z.string(),
  pointer: z.string().optional(),
  offset: z.number().optional(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** What validation said about an accepted file: warnings do not refuse it, so the admin sees them here. */
export const UploadValidation = z.object({
  /** What the bytes were: a .gltf is converted to GLB before it is stored. */
  sourceFormat: z.enum(['glb', 'gltf']),
  warnings: z.array(ValidationIssue),
  infoCount: z.number().int(),
  hintCount: z.number().int(),
  validatorVersion: z.string().nullable(),
});
export type UploadValidation = z.infer<typeof UploadValidation>;

/** The answer to an accepted upload: the new catalog entry (status `processing`) and its validation. */
export const UploadResult = Asset.extend({ validation: UploadValidation });
export type UploadResult = z.infer<typeof UploadResult>;

/** `POST /resources/upload/init`: announce a file to send straight to storage. */
export const InitUploadInput = z.object({
  /** Exact byte count of the file; the upload must send exactly this many. */
  size: z.number().int().min(1, 'The file is empty'),
  filename: UploadFilename.optional(),
});
export type InitUploadInput = z.infer<typeof InitUploadInput>;

const InitUploadCommon = {
  uploadId: z.uuid(),
  /** Signed, expiring URL to send the file to. */
  url: z.string(),
  /** The content type the file must be sent as; anything else is refused. */
  contentType: z.string(),
  expiresAt: z.iso.datetime(),
  maxBytes: z.number().int(),
};

/**
 * Where and how to send the file announced to `init`. S3 storage answers a presigned POST policy: send a
 * multipart/form-data POST to `url` with every entry of `fields` (in any order) and then the file as the
 * last field, named `file`; the policy binds the key, the content type and the exact size. Local storage
 * answers this server's own signed route: PUT the raw bytes to `url` with `headers`. Either way the file
 * lands under `incoming/`, never under a published key, and only `complete` turns it into an asset.
 */
export const InitUploadResult = z.discriminatedUnion('method', [
  z.object({
    ...InitUploadCommon,
    method: z.literal('PUT'),
    /** Headers the PUT must carry (its content type among them). */
    headers: z.record(z.string(), z.string()),
  }),
  z.object({
    ...InitUploadCommon,
    method: z.literal('POST'),
    /** Form fields to send before the file (the signed policy, the key, the content type...). */
    fields: z.record(z.string(), z.string()),
  }),
]);
export type InitUploadResult = z.infer<typeof InitUploadResult>;

/** `POST /resources/upload/complete`: run the upload pipeline on the file sent after `init`. */
export const CompleteUploadInput = UploadFields.extend({ uploadId: z.uuid() });
export type CompleteUploadInput = z.infer<typeof CompleteUploadInput>;

export const AssetUrlInput = z.object({
  id: z.uuid('Asset ids are UUIDs'),
  variant: AssetVariant.default('original'),
});
export type AssetUrlInput = z.infer<typeof AssetUrlInput>;

/** `GET /resources/assets/{id}/url`: where a browser can load one variant of an asset from. */
export const AssetUrl = z.object({
  id: z.uuid(),
  variant: AssetVariant,
  /** Signed (expiring) or CDN URL; published objects are immutable and cacheable for a year. */
  url: z.string(),
  contentType: z.string(),
  bytes: z.number().int(),
  triangles: z.number().int().nullable(),
});
export type AssetUrl = z.infer<typeof AssetUrl>;
