import type { Document, PlatformIO } from '@gltf-transform/core';
import { unpartition } from '@gltf-transform/functions';
import type { ExportConverter } from './export-converter.ts';
import { createGltfIO } from './read-glb.ts';

export interface ToGlbOptions {
  io?: PlatformIO;
}

/**
 * Writes a document as one self-contained GLB. A GLB holds a single binary buffer, so documents merged
 * from several files (which keep one buffer each) are unpartitioned first.
 */
export async function toGlb(document: Document, options: ToGlbOptions = {}): Promise<Uint8Array> {
  if (document.getRoot().listBuffers().length > 1) await document.transform(unpartition());
  const io = options.io ?? createGltfIO();
  return io.writeBinary(document);
}

/** GLB needs no conversion: the document is written as it is. */
export const glbConverter: ExportConverter = Object.freeze({
  extension: 'glb',
  contentType: 'model/gltf-binary',
  convert: (document: Document) => toGlb(document),
});
