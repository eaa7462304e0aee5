import type { Document, Transform } from '@gltf-transform/core';
import { compactPrimitive } from '@gltf-transform/functions';
import { PrimitiveMode } from './primitive-mode.ts';

/**
 * Drops triangles that name one vertex twice. They cover no pixels; exporters leave them (Fox.glb has a
 * thousand zero-area ones) and welding after quantization makes more, since their corners then coincide.
 * Run after `weld`, which gives every triangle list indices. A primitive that would be left empty stays.
 */
export function removeDegenerateTriangles(): Transform {
  return (document: Document) => {
    for (const mesh of document.getRoot().listMeshes()) {
      for (const primitive of mesh.listPrimitives()) {
        if (primitive.getMode() !== PrimitiveMode.TRIANGLES) continue;
        const indices = primitive.getIndices();
        const array = indices?.getArray();
        if (!indices || !array) continue;
        const kept: number[] = [];
        for (let i = 0; i + 2 < array.length; i += 3) {
          const a = array[i]!;
          const b = array[i + 1]!;
          const c = array[i + 2]!;
          if (a !== b && b !== c && a !== c) kept.push(a, b, c);
        }
        if (kept.length === array.length || kept.length === 0) continue;
        const ctor = array.constructor as Uint32ArrayConstructor;
        // A copy, not an edit: the same indices may serve another primitive.
        const trimmed = document
          .createAccessor(indices.getName())
          .setType('SCALAR')
          .setBuffer(indices.getBuffer())
          .setArray(new ctor(kept));
        primitive.setIndices(trimmed);
        compactPrimitive(primitive);
      }
    }
  };
}
