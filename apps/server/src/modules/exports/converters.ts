import { deflateSync } from 'node:zlib';
import {
  createFbxConverter,
  createSvgConverter,
  type ExportConverter,
  glbConverter,
  objConverter,
} from '@avatar/asset-core';
import type { ExportFormat } from '@avatar/contracts';
import { MeshoptSimplifier } from 'meshoptimizer';
import type { RenderHost } from '../render/render.host.ts';
import { decodeTextureWithSharp } from './decode-texture.ts';
import { jpgConverter, needsRender, pngConverter } from './render-converters.ts';

/**
 * Format -> converter. Jobs, API and storage know formats only through this map, so a new format is one
 * entry here (OBJ, FBX and SVG from asset-core; PNG and JPG through the render pool).
 */
export const exportConverters: Partial<Record<ExportFormat, ExportConverter>> = {
  glb: glbConverter,
  obj: objConverter, // a zip: OBJ + MTL + textures
  // Binary FBX 7.4 with skeleton, skin clusters and textures embedded; arrays through native zlib.
  fbx: createFbxConverter({ deflate: (data) => deflateSync(data, { level: 1 }) }),
  svg: createSvgConverter({ simplifier: MeshoptSimplifier, decodeTexture: decodeTextureWithSharp }),
  png: pngConverter,
  jpg: jpgConverter,
};

export function converterFor(format: ExportFormat): ExportConverter | null {
  return exportConverters[format] ?? null;
}

/**
 * Whether this process can make the format now: a drawn format (PNG, JPG) needs a render service that
 * is not known to be unavailable (no Chromium, no render page).
 */
export function converterAvailable(format: ExportFormat, deps: { render?: RenderHost }): boolean {
  const converter = converterFor(format);
  if (!converter) return false;
  if (!needsRender(converter)) return true;
  return deps.render !== undefined && deps.render.status().state !== 'unavailable';
}
