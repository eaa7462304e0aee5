import { isRecord } from './glb-container.ts';
import type { ImageHeader } from './measure-glb.ts';
import type { Issue } from './validation-report.ts';

interface ImageLimits {
  maxImagePixels: number;
  maxTextureDimension: number;
}

/**
 * Each image against the pixel limit, from its header alone, so that no decoder (sharp on the server, the
 * GPU upload in a browser) ever sees an image larger than that. While the limit is finite, an image whose
 * header cannot be read is refused as well: a decoder may still understand it (an arithmetic-coded JPEG,
 * say), and its size would be anybody's guess.
 */
export function checkImageHeaders(
  images: ImageHeader[],
  limits: Pick<ImageLimits, 'maxImagePixels'>,
): Issue[] {
  const max = limits.maxImagePixels;
  if (!Number.isFinite(max)) return [];
  const issues: Issue[] = [];
  for (const { index, mimeType, size } of images) {
    if (size === null) {
      issues.push({
        source: 'limit',
        code: 'LIMIT_IMAGE_PIXELS',
        message:
          `Image ${index}: its size cannot be read from its header (${mimeType ?? 'unknown format'}), ` +
          `so it cannot be checked against the limit of ${max} pixels; embed PNG, JPEG, WebP, AVIF or KTX2.`,
        pointer: `/images/${index}`,
      });
    } else if (size[0] * size[1] > max) {
      issues.push(pixelIssue(index, size[0], size[1], max));
    }
  }
  return issues;
}

/**
 * The same limits against the sizes the Khronos validator read (`info.resources[].image`) with its own
 * header parsers: an image only one of the two readers understands, or that they read differently, is
 * still held to them.
 */
export function checkValidatorImages(info: unknown, limits: ImageLimits): Issue[] {
  const resources = isRecord(info) && Array.isArray(info.resources) ? info.resources : [];
  const issues: Issue[] = [];
  for (const resource of resources) {
    if (!isRecord(resource) || !isRecord(resource.image) || typeof resource.pointer !== 'string') continue;
    const index = /^\/images\/(\d+)$/.exec(resource.pointer)?.[1];
    const { width, height } = resource.image;
    if (index === undefined || typeof width !== 'number' || typeof height !== 'number') continue;
    if (width * height > limits.maxImagePixels) {
      issues.push(pixelIssue(Number(index), width, height, limits.maxImagePixels));
    } else if (Math.max(width, height) > limits.maxTextureDimension) {
      issues.push({
        source: 'limit',
        code: 'LIMIT_TEXTURE_DIMENSION',
        message: `A texture is too large (pixels on its longest side): ${Math.max(width, height)}, the limit is ${limits.maxTextureDimension}.`,
        pointer: resource.pointer,
      });
    }
  }
  return issues;
}

function pixelIssue(index: number, width: number, height: number, max: number): Issue {
  return {
    source: 'limit',
    code: 'LIMIT_IMAGE_PIXELS',
    message: `Image ${index} is too large: ${width} x ${height} = ${width * height} pixels, the limit is ${max}.`,
    pointer: `/images/${index}`,
  };
}
