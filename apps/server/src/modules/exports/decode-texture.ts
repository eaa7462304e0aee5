import type { TextureDecoder } from '@avatar/asset-core';
import sharpModule from 'sharp';
import { withPixelLimit } from '../uploads/codecs.ts';

const sharp = withPixelLimit(sharpModule);

/** Texels for the SVG's polygon colours: one colour per polygon needs no more than 256 px a side. */
const SIDE = 256;

/** `sharp` as the SVG converter's texture decoder (asset-core imports no image codec of its own). */
export const decodeTextureWithSharp: TextureDecoder = async (image) => {
  const { data, info } = await sharp(image)
    .resize(SIDE, SIDE, { fit: 'fill', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
};
