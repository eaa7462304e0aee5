import type { Accessor, Material, Mesh, Node } from '@gltf-transform/core';
import { PrimitiveMode } from './primitive-mode.ts';

/**
 * One glTF mesh as FBX wants it: every triangle primitive merged into one polygon mesh (FBX gives a
 * model one geometry and picks materials per polygon), morph weights baked in, UV origin moved to the
 * bottom left. Points and lines have no FBX polygon form and are left out.
 */
export interface FbxMeshData {
  /** Control points, xyz. */
  positions: Float64Array;
  /** One normal per polygon corner (ByPolygonVertex, Direct), xyz. */
  normals: Float64Array;
  /** One UV per control point (indexed by `triangles`), or null when no primitive has TEXCOORD_0. */
  uvs: Float64Array | null;
  /**
   * One sRGB-encoded RGBA colour per control point, or null when no primitive has COLOR_0. glTF's vertex
   * colours are linear; DCC tools read FBX vertex colours as sRGB (Blender's importer by default).
   */
  colors: Float64Array | null;
  /** Three control point indices per triangle. */
  triangles: Uint32Array;
  /** Index into `materials` per triangle. */
  triangleMaterials: Int32Array;
  /** Distinct materials in first-use order; null stands for "no material". */
  materials: Array<Material | null>;
  /** Skin joint index -> control point indices and weights (normalised per control point). */
  weights: Map<number, { indices: number[]; weights: number[] }>;
}

/** The mesh's triangle geometry, or null when it has no triangles. */
export function readFbxMeshData(mesh: Mesh, node: Node): FbxMeshData | null {
  const primitives = mesh.listPrimitives().filter((p) => TRIANGLE_MODES.has(p.getMode()));
  const parts = primitives
    .map((primitive) => {
      const position = primitive.getAttribute('POSITION');
      const triangles = position
        ? triangulate(primitive.getMode(), primitive.getIndices(), position.getCount())
        : [];
      return { primitive, position, triangles };
    })
    .filter((part) => part.position && part.triangles.length > 0);
  if (parts.length === 0) return null;

  const weightsOfMorphs = node.getWeights().length > 0 ? node.getWeights() : mesh.getWeights();
  const vertexCount = parts.reduce((sum, part) => sum + part.position!.getCount(), 0);
  const triangleCount = parts.reduce((sum, part) => sum + part.triangles.length / 3, 0);
  const positions = new Float64Array(vertexCount * 3);
  const vertexNormals = new Float64Array(vertexCount * 3);
  const hasNormals = new Uint8Array(vertexCount);
  const anyUv = parts.some((part) => part.primitive.getAttribute('TEXCOORD_0'));
  const uvs = anyUv ? new Float64Array(vertexCount * 2) : null;
  const anyColor = parts.some((part) => part.primitive.getAttribute('COLOR_0'));
  const colors = anyColor ? new Float64Array(vertexCount * 4).fill(1) : null;
  const triangles = new Uint32Array(triangleCount * 3);
  const triangleMaterials = new Int32Array(triangleCount);
  const materials: Array<Material | null> = [];
  const perVertex: Array<Map<number, number>> = [];

  let base = 0;
  let corner = 0;
  for (const { primitive, position, triangles: local } of parts) {
    const count = position!.getCount();
    positions.set(readFloats(position!, 3), base * 3);
    const normal = primitive.getAttribute('NORMAL');
    if (normal) {
      vertexNormals.set(readFloats(normal, 3), base * 3);
      hasNormals.fill(1, base, base + count);
    }
    primitive.listTargets().forEach((target, t) => {
      const weight = weightsOfMorphs[t] ?? 0;
      if (weight === 0) return;
      addScaled(positions, base * 3, target.getAttribute('POSITION'), weight);
      if (normal) addScaled(vertexNormals, base * 3, target.getAttribute('NORMAL'), weight);
    });
    const uv = primitive.getAttribute('TEXCOORD_0');
    if (uv && uvs) {
      const values = readFloats(uv, 2);
      for (let v = 0; v < count; v++) {
        uvs[(base + v) * 2] = values[v * 2]!;
        uvs[(base + v) * 2 + 1] = 1 - values[v * 2 + 1]!;
      }
    }
    const color = primitive.getAttribute('COLOR_0');
    if (color && colors) {
      const size = color.getElementSize();
      const values = readFloats(color, size);
      for (let v = 0; v < count; v++) {
        for (let k = 0; k < size; k++) {
          const value = values[v * size + k]!;
          colors[(base + v) * 4 + k] = k < 3 ? linearToSrgb(value) : value;
        }
      }
    }
    readSkinWeights(primitive.getAttribute.bind(primitive), count, base, perVertex);

    const material = primitive.getMaterial();
    let slot = materials.indexOf(material);
    if (slot === -1) slot = materials.push(material) - 1;
    for (let i = 0; i < local.length; i++) triangles[corner + i] = base + local[i]!;
    triangleMaterials.fill(slot, corner / 3, (corner + local.length) / 3);
    corner += local.length;
    base += count;
  }

  return {
    positions,
    normals: cornerNormals(triangles, positions, vertexNormals, hasNormals),
    uvs,
    colors,
    triangles,
    triangleMaterials,
    materials,
    weights: clustersOf(perVertex),
  };
}

const TRIANGLE_MODES = new Set<number>([
  PrimitiveMode.TRIANGLES,
  PrimitiveMode.TRIANGLE_STRIP,
  PrimitiveMode.TRIANGLE_FAN,
]);

/** Triangle list indices for any triangle mode (strips alternate winding so that faces keep facing out). */
function triangulate(mode: number, indices: Accessor | null, vertexCount: number): number[] {
  const source = indices?.getArray();
  const count = source ? source.length : vertexCount;
  const at = (i: number) => (source ? source[i]! : i);
  const out: number[] = [];
  if (mode === PrimitiveMode.TRIANGLES) {
    for (let i = 0; i + 2 < count; i += 3) out.push(at(i), at(i + 1), at(i + 2));
  } else if (mode === PrimitiveMode.TRIANGLE_STRIP) {
    for (let i = 0; i + 2 < count; i++) {
      if (i % 2 === 0) out.push(at(i), at(i + 1), at(i + 2));
      else out.push(at(i + 1), at(i), at(i + 2));
    }
  } else {
    for (let i = 1; i + 1 < count; i++) out.push(at(0), at(i), at(i + 1));
  }
  return out;
}

/** Float values of an accessor, normalised integers (quantized meshes) decoded. */
function readFloats(accessor: Accessor, size: number): Float64Array {
  const count = accessor.getCount();
  const array = accessor.getArray();
  if (array instanceof Float32Array && accessor.getElementSize() === size) return Float64Array.from(array);
  const out = new Float64Array(count * size);
  const element: number[] = [];
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element);
    for (let k = 0; k < size; k++) out[i * size + k] = element[k] ?? 0;
  }
  return out;
}

function addScaled(target: Float64Array, offset: number, delta: Accessor | null, weight: number): void {
  if (!delta) return;
  const values = readFloats(delta, 3);
  for (let i = 0; i < values.length; i++) target[offset + i]! += values[i]! * weight;
}

type AttributeOf = (semantic: string) => Accessor | null;

function readSkinWeights(
  attribute: AttributeOf,
  count: number,
  base: number,
  out: Array<Map<number, number>>,
) {
  for (let set = 0; ; set++) {
    const joints = attribute(`JOINTS_${set}`);
    const weights = attribute(`WEIGHTS_${set}`);
    if (!joints || !weights) return;
    const j: number[] = [];
    const w: number[] = [];
    for (let v = 0; v < count; v++) {
      joints.getElement(v, j);
      weights.getElement(v, w);
      for (let k = 0; k < 4; k++) {
        if (!(w[k]! > 0)) continue;
        let map = out[base + v];
        if (!map) {
          map = new Map();
          out[base + v] = map;
        }
        map.set(j[k]!, (map.get(j[k]!) ?? 0) + w[k]!);
      }
    }
  }
}

/** Per-vertex joint weights, normalised to sum 1, regrouped per joint as FBX clusters store them. */
function clustersOf(perVertex: Array<Map<number, number>>): FbxMeshData['weights'] {
  const clusters: FbxMeshData['weights'] = new Map();
  perVertex.forEach((map, vertex) => {
    if (!map) return;
    let sum = 0;
    for (const w of map.values()) sum += w;
    for (const [joint, w] of map) {
      let cluster = clusters.get(joint);
      if (!cluster) {
        cluster = { indices: [], weights: [] };
        clusters.set(joint, cluster);
      }
      cluster.indices.push(vertex);
      cluster.weights.push(w / sum);
    }
  });
  return clusters;
}

/** A normal per triangle corner: the vertex normal where the primitive had one, the face normal otherwise. */
function cornerNormals(
  triangles: Uint32Array,
  positions: Float64Array,
  vertexNormals: Float64Array,
  hasNormals: Uint8Array,
): Float64Array {
  const out = new Float64Array(triangles.length * 3);
  for (let t = 0; t < triangles.length; t += 3) {
    let face: number[] | null = null;
    for (let c = 0; c < 3; c++) {
      const v = triangles[t + c]!;
      let n: ArrayLike<number>;
      if (hasNormals[v]) n = vertexNormals.subarray(v * 3, v * 3 + 3);
      else n = face ??= faceNormal(positions, triangles[t]!, triangles[t + 1]!, triangles[t + 2]!);
      out.set(normalize(n), (t + c) * 3);
    }
  }
  return out;
}

function faceNormal(p: Float64Array, a: number, b: number, c: number): number[] {
  const u = [p[b * 3]! - p[a * 3]!, p[b * 3 + 1]! - p[a * 3 + 1]!, p[b * 3 + 2]! - p[a * 3 + 2]!];
  const v = [p[c * 3]! - p[a * 3]!, p[c * 3 + 1]! - p[a * 3 + 1]!, p[c * 3 + 2]! - p[a * 3 + 2]!];
  return [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
}

function normalize(n: ArrayLike<number>): number[] {
  const length = Math.hypot(n[0]!, n[1]!, n[2]!);
  return length > 0 ? [n[0]! / length, n[1]! / length, n[2]! / length] : [0, 1, 0];
}

function linearToSrgb(value: number): number {
  const v = Math.min(1, Math.max(0, value));
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}
