import type { Accessor, Document, Material, mat4, Node, Primitive, Scene } from '@gltf-transform/core';
import { multiply } from './mat4.ts';
import { poseAvatar } from './pose-avatar.ts';
import { PrimitiveMode } from './primitive-mode.ts';

/** Which pose to write: the bind pose when no animation is named, else the clip held still at `time`. */
export interface PoseRequest {
  /** An animation clip's name. Absent: the bind pose (skinned meshes as they were bound). */
  animation?: string;
  /** Seconds into the clip; clamped to the clip's span. */
  time?: number;
}

/** One triangle primitive in world space, as a static exporter writes it. */
export interface BakedPrimitive {
  material: Material | null;
  /** xyz per vertex, world space. */
  positions: Float32Array;
  /** Unit normals per vertex, world space; null when the primitive has none. */
  normals: Float32Array | null;
  /** TEXCOORD_0, uv per vertex (glTF's convention: v grows downwards). */
  uvs: Float32Array | null;
  /** Three per triangle, counter-clockwise seen from the front in world space. */
  indices: Uint32Array;
}

/** One mesh instance (a node with a mesh), named for the output's groups. */
export interface BakedMesh {
  name: string;
  primitives: BakedPrimitive[];
}

/** A pose asked for that the document does not have; its message is safe to show a user. */
export class PoseNotFoundError extends Error {
  override readonly name = 'PoseNotFoundError';
  constructor(
    readonly animation: string,
    readonly available: string[],
  ) {
    super(
      available.length > 0
        ? `This avatar has no animation named "${animation}". It has: ${available.join(', ')}.`
        : `This avatar has no animation named "${animation}": it has no animations.`,
    );
  }
}

export function isPoseNotFoundError(error: unknown): error is PoseNotFoundError {
  return error instanceof PoseNotFoundError;
}

const TRIANGLE_MODES = new Set<number>([
  PrimitiveMode.TRIANGLES,
  PrimitiveMode.TRIANGLE_STRIP,
  PrimitiveMode.TRIANGLE_FAN,
]);

/**
 * The default scene's meshes as static triangles in world space: node transforms applied, morph
 * weights applied, skinned meshes in the pose asked for. Points and lines are left out. Shared by the
 * static exporters (OBJ, SVG). Setting an animation's pose changes the nodes' transforms in `document`.
 */
export function bakePose(document: Document, pose: PoseRequest = {}): BakedMesh[] {
  const root = document.getRoot();
  if (pose.animation !== undefined) {
    const animation = root.listAnimations().find((a) => a.getName() === pose.animation);
    if (!animation) {
      throw new PoseNotFoundError(
        pose.animation,
        root.listAnimations().map((a, i) => a.getName() || `animation ${i}`),
      );
    }
    poseAvatar(document, { kind: 'animation', animation: pose.animation, seconds: pose.time ?? 0 });
  }
  const scene: Scene | undefined = root.getDefaultScene() ?? root.listScenes()[0];
  const nodes: Node[] = [];
  const walk = (node: Node) => {
    nodes.push(node);
    for (const child of node.listChildren()) walk(child);
  };
  for (const child of scene?.listChildren() ?? []) walk(child);

  const out: BakedMesh[] = [];
  for (const node of nodes) {
    const mesh = node.getMesh();
    if (!mesh) continue;
    const primitives: BakedPrimitive[] = [];
    const weights = node.getWeights().length > 0 ? node.getWeights() : mesh.getWeights();
    for (const primitive of mesh.listPrimitives()) {
      if (!TRIANGLE_MODES.has(primitive.getMode())) continue;
      const baked = bakePrimitive(node, primitive, weights, pose.animation !== undefined);
      if (baked && baked.indices.length > 0) primitives.push(baked);
    }
    if (primitives.length > 0) out.push({ name: node.getName() || mesh.getName() || 'mesh', primitives });
  }
  return out;
}

function bakePrimitive(
  node: Node,
  primitive: Primitive,
  weights: number[],
  posed: boolean,
): BakedPrimitive | null {
  const position = primitive.getAttribute('POSITION');
  if (!position) return null;
  const count = position.getCount();
  const positions = readVec(position, 3);
  const normal = primitive.getAttribute('NORMAL');
  let normals = normal ? readVec(normal, 3) : null;
  const uv = primitive.getAttribute('TEXCOORD_0');
  const uvs = uv ? readVec(uv, 2) : null;
  primitive.listTargets().forEach((target, t) => {
    const w = weights[t] ?? 0;
    if (!w) return;
    addScaled(positions, target.getAttribute('POSITION'), w);
    if (normals) addScaled(normals, target.getAttribute('NORMAL'), w);
  });

  const skin = node.getSkin();
  const joints = primitive.getAttribute('JOINTS_0');
  const jointWeights = primitive.getAttribute('WEIGHTS_0');
  let flip = false;
  if (skin && joints && jointWeights) {
    // In the bind pose a skinned vertex is where it was bound: its stored position, in world space
    // (glTF ignores the skinned node's own transform). Posed, it follows its joints.
    if (posed) {
      const ibm = skin.getInverseBindMatrices();
      const matrices = skin.listJoints().map((joint, j) => {
        const inverseBind = ibm ? (ibm.getElement(j, []) as unknown as mat4) : IDENTITY;
        return multiply(joint.getWorldMatrix(), inverseBind);
      });
      skinVertices(positions, normals, joints, jointWeights, matrices, count);
    }
  } else {
    const world = node.getWorldMatrix();
    transformPoints(positions, world);
    if (normals) transformNormals(normals, world);
    flip = determinant3(world) < 0;
  }
  if (normals) normalize(normals);
  if (!normal) normals = null;
  return {
    material: primitive.getMaterial(),
    positions,
    normals,
    uvs,
    indices: triangleIndices(primitive, count, flip),
  };
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] as unknown as mat4;

/** An accessor's elements as floats (quantized and normalized ones decoded by glTF-Transform). */
function readVec(accessor: Accessor, size: number): Float32Array {
  const count = accessor.getCount();
  const out = new Float32Array(count * size);
  const array = accessor.getArray();
  if (array instanceof Float32Array && accessor.getElementSize() === size && !accessor.getSparse()) {
    out.set(array.subarray(0, count * size));
    return out;
  }
  const element: number[] = [];
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element);
    for (let k = 0; k < size; k++) out[i * size + k] = element[k] ?? 0;
  }
  return out;
}

function addScaled(into: Float32Array, delta: Accessor | null, weight: number): void {
  if (!delta) return;
  const values = readVec(delta, 3);
  const n = Math.min(values.length, into.length);
  for (let i = 0; i < n; i++) into[i]! += values[i]! * weight;
}

function transformPoints(points: Float32Array, m: mat4): void {
  for (let i = 0; i < points.length; i += 3) {
    const [x, y, z] = [points[i]!, points[i + 1]!, points[i + 2]!];
    points[i] = m[0] * x + m[4] * y + m[8] * z + m[12];
    points[i + 1] = m[1] * x + m[5] * y + m[9] * z + m[13];
    points[i + 2] = m[2] * x + m[6] * y + m[10] * z + m[14];
  }
}

/** By the cofactor matrix: the inverse transpose up to scale, so non-uniform scales keep normals right. */
function transformNormals(normals: Float32Array, m: mat4): void {
  const c = cofactor3(m);
  for (let i = 0; i < normals.length; i += 3) {
    const [x, y, z] = [normals[i]!, normals[i + 1]!, normals[i + 2]!];
    normals[i] = c[0]! * x + c[3]! * y + c[6]! * z;
    normals[i + 1] = c[1]! * x + c[4]! * y + c[7]! * z;
    normals[i + 2] = c[2]! * x + c[5]! * y + c[8]! * z;
  }
}

/** Column-major 3x3 cofactor matrix of the upper-left 3x3, sign-corrected for mirroring transforms. */
function cofactor3(m: ArrayLike<number>): number[] {
  const [a, b, c, d, e, f, g, h, i] = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
  const out = [
    e * i - f * h,
    f * g - d * i,
    d * h - e * g,
    c * h - b * i,
    a * i - c * g,
    b * g - a * h,
    b * f - c * e,
    c * d - a * f,
    a * e - b * d,
  ];
  const det = a * out[0]! + d * out[3]! + g * out[6]!;
  return det < 0 ? out.map((v) => -v) : out;
}

function determinant3(m: ArrayLike<number>): number {
  return (
    m[0]! * (m[5]! * m[10]! - m[6]! * m[9]!) -
    m[4]! * (m[1]! * m[10]! - m[2]! * m[9]!) +
    m[8]! * (m[1]! * m[6]! - m[2]! * m[5]!)
  );
}

/** Linear blend skinning with up to four influences (JOINTS_0 / WEIGHTS_0). */
function skinVertices(
  positions: Float32Array,
  normals: Float32Array | null,
  joints: Accessor,
  weights: Accessor,
  matrices: mat4[],
  count: number,
): void {
  const j: number[] = [];
  const w: number[] = [];
  const m = new Float64Array(16);
  for (let v = 0; v < count; v++) {
    joints.getElement(v, j);
    weights.getElement(v, w);
    m.fill(0);
    for (let k = 0; k < 4; k++) {
      const weight = w[k] ?? 0;
      const matrix = weight ? matrices[j[k] ?? 0] : undefined;
      if (!matrix) continue;
      for (let e = 0; e < 16; e++) m[e]! += matrix[e]! * weight;
    }
    const at = v * 3;
    const [x, y, z] = [positions[at]!, positions[at + 1]!, positions[at + 2]!];
    positions[at] = m[0]! * x + m[4]! * y + m[8]! * z + m[12]!;
    positions[at + 1] = m[1]! * x + m[5]! * y + m[9]! * z + m[13]!;
    positions[at + 2] = m[2]! * x + m[6]! * y + m[10]! * z + m[14]!;
    if (normals) {
      const c = cofactor3(m);
      const [nx, ny, nz] = [normals[at]!, normals[at + 1]!, normals[at + 2]!];
      normals[at] = c[0]! * nx + c[3]! * ny + c[6]! * nz;
      normals[at + 1] = c[1]! * nx + c[4]! * ny + c[7]! * nz;
      normals[at + 2] = c[2]! * nx + c[5]! * ny + c[8]! * nz;
    }
  }
}

function normalize(vectors: Float32Array): void {
  for (let i = 0; i < vectors.length; i += 3) {
    const length = Math.hypot(vectors[i]!, vectors[i + 1]!, vectors[i + 2]!) || 1;
    vectors[i]! /= length;
    vectors[i + 1]! /= length;
    vectors[i + 2]! /= length;
  }
}

/** Triangle list of a TRIANGLES, TRIANGLE_STRIP or TRIANGLE_FAN primitive; `flip` reverses the winding. */
function triangleIndices(primitive: Primitive, count: number, flip: boolean): Uint32Array {
  const source = primitive.getIndices()?.getArray();
  const index = (i: number) => (source ? source[i]! : i);
  const n = source ? source.length : count;
  const mode = primitive.getMode();
  const out: number[] = [];
  const push = (a: number, b: number, c: number) => {
    if (a >= count || b >= count || c >= count) return; // out of range: nothing to draw
    if (flip) out.push(a, c, b);
    else out.push(a, b, c);
  };
  if (mode === PrimitiveMode.TRIANGLES) {
    for (let i = 0; i + 2 < n; i += 3) push(index(i), index(i + 1), index(i + 2));
  } else if (mode === PrimitiveMode.TRIANGLE_STRIP) {
    for (let i = 0; i + 2 < n; i++) {
      if (i % 2 === 0) push(index(i), index(i + 1), index(i + 2));
      else push(index(i + 1), index(i), index(i + 2));
    }
  } else {
    for (let i = 1; i + 1 < n; i++) push(index(0), index(i), index(i + 1));
  }
  return Uint32Array.from(out);
}

/** For the SVG and tests: the meshes' world-space bounds. */
export function bakedBounds(meshes: readonly BakedMesh[]): { min: number[]; max: number[] } | null {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (const mesh of meshes) {
    for (const { positions, indices } of mesh.primitives) {
      for (const v of indices) {
        for (let k = 0; k < 3; k++) {
          const x = positions[v * 3 + k]!;
          if (x < min[k]!) min[k] = x;
          if (x > max[k]!) max[k] = x;
        }
      }
    }
  }
  return Number.isFinite(min[0]) ? { min, max } : null;
}
