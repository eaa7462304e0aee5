import type { Mesh } from '@gltf-transform/core';
import type { GeometryCounts } from './asset-metadata.ts';
import { PrimitiveMode } from './primitive-mode.ts';

/** One primitive as the counts see it: its mode, its vertices, and the elements its mode walks over. */
export interface PrimitiveShape {
  mode: number;
  positions: number;
  /** Indices when present, vertices otherwise. */
  elements: number;
}

/** Counts what is stored: a mesh used by three nodes is counted once, as `validateGlb` counts it. */
export function countGeometry(meshes: Mesh[]): GeometryCounts {
  return countPrimitives(
    meshes.flatMap((mesh) =>
      mesh.listPrimitives().map((primitive) => {
        const positions = primitive.getAttribute('POSITION')?.getCount() ?? 0;
        return {
          mode: primitive.getMode(),
          positions,
          elements: primitive.getIndices()?.getCount() ?? positions,
        };
      }),
    ),
  );
}

/** The counts of primitives however they were read (a glTF-Transform document, or the JSON alone). */
export function countPrimitives(primitives: Iterable<PrimitiveShape>): GeometryCounts {
  const counts: GeometryCounts = {
    vertices: 0,
    triangles: 0,
    trianglesByMode: { triangles: 0, strips: 0, fans: 0 },
    points: 0,
    lines: 0,
  };
  const byMode = counts.trianglesByMode;
  for (const { mode, positions, elements: n } of primitives) {
    counts.vertices += positions;
    switch (mode) {
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
  counts.triangles = byMode.triangles + byMode.strips + byMode.fans;
  return counts;
}
