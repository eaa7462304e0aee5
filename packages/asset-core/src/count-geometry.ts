import type { Mesh } from '@gltf-transform/core';
import type { GeometryCounts } from './asset-metadata.ts';
import { PrimitiveMode } from './primitive-mode.ts';

/** Counts what is stored: a mesh used by three nodes is counted once, as `validateGlb` counts it. */
export function countGeometry(meshes: Mesh[]): GeometryCounts {
  const counts: GeometryCounts = {
    vertices: 0,
    triangles: 0,
    trianglesByMode: { triangles: 0, strips: 0, fans: 0 },
    points: 0,
    lines: 0,
  };
  const byMode = counts.trianglesByMode;
  for (const mesh of meshes) {
    for (const primitive of mesh.listPrimitives()) {
      const positions = primitive.getAttribute('POSITION')?.getCount() ?? 0;
      // Elements are what the mode walks over: indices when present, vertices otherwise.
      const n = primitive.getIndices()?.getCount() ?? positions;
      counts.vertices += positions;
      switch (primitive.getMode()) {
        case PrimitiveMode.TRIANGLES:
          byMode.triangles += Math.floor(n / 3);
          break;
        case PrimitiveMode.TRIANGLE_STRIP:
          byMode.strips += Math.max(0, n - 2);
          break;
        case PrimitiveMode.TRIANGLE_FAN:
          byMode.fans += Math.max(0, n - 2);
          break;
        case PrimitiveMode.POINTS:
          counts.points += n;
          break;
        case PrimitiveMode.LINES:
          counts.lines += Math.floor(n / 2);
          break;
        case PrimitiveMode.LINE_STRIP:
          counts.lines += Math.max(0, n - 1);
          break;
        case PrimitiveMode.LINE_LOOP:
          counts.lines += n < 2 ? 0 : n;
          break;
      }
    }
  }
  counts.triangles = byMode.triangles + byMode.strips + byMode.fans;
  return counts;
}
