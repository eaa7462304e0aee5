import type { Document, Transform } from '@gltf-transform/core';

/**
 * Removes COLOR_0 where every vertex is white: the color multiplies the material's base color, so white
 * changes nothing, yet it keeps vertices apart that would otherwise weld (chr_knight.glb carries one).
 * Only COLOR_0 has a meaning in glTF; other color sets are left to the application that wrote them.
 */
export function pruneWhiteVertexColors(): Transform {
  return (document: Document) => {
    for (const mesh of document.getRoot().listMeshes()) {
      for (const primitive of mesh.listPrimitives()) {
        const color = primitive.getAttribute('COLOR_0');
        if (!color || !isWhite(color.getCount(), (i, out) => color.getElement(i, out))) continue;
        primitive.setAttribute('COLOR_0', null);
      }
    }
  };
}

function isWhite(count: number, read: (index: number, out: number[]) => number[]): boolean {
  const element: number[] = [];
  for (let i = 0; i < count; i++) {
    // Normalized integers read back as floats; 1/512 absorbs their rounding.
    if (read(i, element).some((value) => Math.abs(value - 1) > 1 / 512)) return false;
  }
  return true;
}
