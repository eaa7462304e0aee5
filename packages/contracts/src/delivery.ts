import { z } from 'zod';

/**
 * Avatar delivery URLs: `GET /avatars/{publicId}.glb?quality=...`. The query parameters, their values
 * and defaults live here so the server's parser, the docs and any client read the same list.
 */
export const deliveryParams = {
  quality: ['low', 'medium', 'high'],
  lod: ['0', '1', '2'],
  textureSizeLimit: ['256', '512', '1024', '2048'],
  textureAtlas: ['none', '256', '512', '1024', '2048'],
  morphTargets: ['none', 'all', '<comma-separated names>'],
  meshCompression: ['none', 'meshopt', 'draco'],
  textureFormat: ['original', 'webp', 'ktx2'],
  pose: ['bind', '<animation name>@<seconds>'],
} as const;
export type DeliveryParamName = keyof typeof deliveryParams;

/** Query parameters a signed (private) URL adds; accepted on every delivery URL. */
export const deliverySignatureParams = ['exp', 'sig'] as const;

export const DeliveryInfo = z.object({
  /** The public id in the URL: random, stable until the owner rotates it. */
  publicId: z.string(),
  /** The URL with no parameters; a private avatar's needs a signed query (see `signedUrl`). */
  url: z.string(),
  private: z.boolean(),
  rotatedAt: z.string(),
});
export type DeliveryInfo = z.infer<typeof DeliveryInfo>;

export const SetDeliveryPrivateInput = z.object({ private: z.boolean() });
export type SetDeliveryPrivateInput = z.infer<typeof SetDeliveryPrivateInput>;

export const SignDeliveryUrlInput = z.object({
  /** How long the signed URL works: one minute to seven days. */
  expiresInSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(3600),
  /** Delivery parameters to put in the URL (validated as the URL itself would be). */
  params: z.record(z.string(), z.string()).default({}),
});
export type SignDeliveryUrlInput = z.input<typeof SignDeliveryUrlInput>;

export const SignedDeliveryUrl = z.object({ url: z.string(), expiresAt: z.string() });
export type SignedDeliveryUrl = z.infer<typeof SignedDeliveryUrl>;
