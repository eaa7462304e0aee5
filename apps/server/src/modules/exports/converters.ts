import { type ExportConverter, glbConverter } from '@avatar/asset-core';
import type { ExportFormat } from '@avatar/contracts';

/**
 * Format -> converter. Jobs, API and storage know formats only through this map, so a new format is one
 * entry here (OBJ, FBX and SVG from asset-core; PNG and JPG through the render pool).
 */
export const exportConverters: Partial<Record<ExportFormat, ExportConverter>> = {
  glb: glbConverter,
};

export function converterFor(format: ExportFormat): ExportConverter | null {
  return exportConverters[format] ?? null;
}
