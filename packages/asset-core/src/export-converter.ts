import type { Document } from '@gltf-transform/core';

export interface ConvertOptions {
  /** Aborted when nobody wants the result any more (a client left, a time budget ran out). */
  signal?: AbortSignal;
  /** The export's quality level; formats with budgets of their own (SVG's polygons) read it. */
  quality?: 'low' | 'medium' | 'high';
  /** Static formats (OBJ, SVG): skinned meshes in this pose; the bind pose when absent. */
  pose?: { animation?: string; time?: number };
  /** Drawn formats (SVG): where the camera looks from (the render request's presets or angles). */
  camera?:
    | { preset: 'front' | 'three-quarter' | 'portrait' | 'full-body' }
    | { yaw: number; pitch: number; fov?: number };
  /** Drawn formats: `transparent` or `#rrggbb` behind the avatar. */
  background?: string;
}

/**
 * Turns a composed avatar document into the bytes of one download format. The export pipeline looks a
 * converter up by format and knows nothing else about it, so a new format is a new converter and no
 * change to jobs, API or storage.
 */
export interface ExportConverter {
  /** File extension of the output, without the dot: becomes the storage key's extension. */
  readonly extension: string;
  /** MIME type stored with the object and sent with the download. */
  readonly contentType: string;
  /** May modify `document`; the caller builds a fresh one for every export. */
  convert(document: Document, options?: ConvertOptions): Promise<Uint8Array>;
}
