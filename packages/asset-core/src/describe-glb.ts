import { type GLTF, MathUtils, type mat4, type vec3, type vec4 } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import type {
  AnimationSummary,
  AssetMetadata,
  Bounds,
  GeometryCounts,
  MorphTargetSummary,
  Vec3,
} from './asset-metadata.ts';
import { countPrimitives } from './count-geometry.ts';
import { AssetCoreError } from './errors.ts';
import { findSocketsAmong } from './find-sockets.ts';
import { type GlbContainer, isRecord } from './glb-container.ts';
import { readImageSize, registerImageFormats } from './measure-glb.ts';
import { PrimitiveMode } from './primitive-mode.ts';

type Json = Record<string, unknown>;
type Raw = Pick<AssetMetadata, 'byteLength' | 'generator' | 'extensionsUsed' | 'extensionsRequired'>;

const KNOWN_EXTENSIONS = new Set(ALL_EXTENSIONS.map((extension) => extension.EXTENSION_NAME));
/** Extensions whose data only a decoder can read: those files go through glTF-Transform's reader. */
const COMPRESSION = ['KHR_draco_mesh_compression', 'EXT_meshopt_compression'];

/**
 * The inspect report read straight from the glTF JSON and the few accessors it needs (positions and
 * indices for the bounds, animation inputs for clip lengths), without building a glTF-Transform
 * `Document`: building one costs several times the Khronos validator on an animated character, almost all
 * of it in the property graph. Written by hand for that reason, to give exactly what `inspectAsset`'s
 * reader path gives: the same defaults, the same de-duplication of joints, the same float operations for
 * the bounds (glTF-Transform's `getBounds`: every indexed vertex through the node's world matrix, TRS
 * composed as `MathUtils.compose` does). A test holds the two paths equal on every fixture.
 *
 * Answers null when the file needs what only the reader does (decoding compressed geometry, sparse
 * accessors, accessors without a buffer view, buffers or images behind a URI, an unknown required
 * extension) and for any file it cannot vouch for (an index that points nowhere, data past the end of the
 * file): the reader then reads it, or fails on it, as it always did.
 */
export function describeGlb(container: GlbContainer, raw: Raw, maxListLength: number): AssetMetadata | null {
  const { json } = container;
  if (!fastPathApplies(json, raw)) return null;
  const reader = new AccessorReader(json, container.bin);
  if (!referencesResolve(json, reader)) return null;
  try {
    return describe(json, raw, reader, maxListLength);
  } catch {
    return null; // something only an invalid file has: leave it to the reader
  }
}

function describe(json: Json, raw: Raw, reader: AccessorReader, max: number): AssetMetadata {
  const nodes = list(json.nodes);
  const meshes = list(json.meshes);
  const materials = list(json.materials);
  const images = list(json.images);
  const skins = list(json.skins);
  const animations = list(json.animations);

  const morphTargets = meshes.map(describeMorphTargets).filter((m): m is MorphTargetSummary => m !== null);
  const jointLists = skins.map((skin) => unique(indices(record(skin).joints)));
  const jointSet = new Set(jointLists.flat());
  return {
    ...raw,
    counts: {
      scenes: list(json.scenes).length,
      nodes: nodes.length,
      meshes: meshes.length,
      primitives: meshes.reduce<number>((sum, mesh) => sum + list(record(mesh).primitives).length, 0),
      materials: materials.length,
      textures: images.length,
      skins: skins.length,
      animations: animations.length,
      morphedMeshes: morphTargets.length,
    },
    geometry: countGeometry(meshes, reader),
    bounds: describeBounds(json, reader),
    materials: materials.slice(0, max).map((value) => {
      const material = record(value);
      return {
        name: name(material),
        alphaMode: (material.alphaMode ?? 'OPAQUE') as AssetMetadata['materials'][number]['alphaMode'],
        doubleSided: (material.doubleSided ?? false) as boolean,
      };
    }),
    textures: images.slice(0, max).map((value) => {
      const image = record(value);
      const data = reader.bufferView(image.bufferView);
      const mimeType = typeof image.mimeType === 'string' ? image.mimeType : '';
      const size = data && data.byteLength > 0 ? readImageSize(data, mimeType) : null;
      return {
        name: name(image),
        mimeType,
        width: size?.[0] ?? null,
        height: size?.[1] ?? null,
        byteLength: data?.byteLength ?? 0,
      };
    }),
    skins: skins.slice(0, max).map((skin, index) => {
      const joints = jointLists[index] ?? [];
      return {
        name: name(record(skin)),
        jointCount: joints.length,
        jointNames: joints.slice(0, max).map((joint) => name(record(nodes[joint]))),
      };
    }),
    animations: animations.slice(0, max).map((animation) => describeAnimation(record(animation), reader)),
    morphTargets: morphTargets.slice(0, max),
    nodeNames: nodes
      .map((node) => name(record(node)))
      .filter((n) => n !== '')
      .slice(0, max),
    sockets: findSocketsAmong(
      nodes.map((value, index) => {
        const node = record(value);
        return {
          name: name(node),
          isJoint: jointSet.has(index),
          holdsContent: node.mesh !== undefined || node.camera !== undefined,
        };
      }),
      max,
    ),
  };
}

function fastPathApplies(json: Json, raw: Raw): boolean {
  if (raw.extensionsUsed.some((name) => COMPRESSION.includes(name))) return false;
  if (raw.extensionsRequired.some((name) => !KNOWN_EXTENSIONS.has(name))) return false;
  if (list(json.buffers).some((buffer) => record(buffer).uri !== undefined)) return false;
  if (list(json.images).some((image) => record(image).bufferView === undefined)) return false;
  return list(json.accessors).every((accessor) => {
    const def = record(accessor);
    return def.bufferView !== undefined && def.sparse === undefined;
  });
}

/** Every index the reader follows points at something, and every accessor lies inside the file. */
function referencesResolve(json: Json, reader: AccessorReader): boolean {
  const size = (key: string) => list(json[key]).length;
  const within = (value: unknown, key: string) =>
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < size(key));
  const all = (values: unknown, key: string) => list(values).every((value) => within(value, key));
  for (let i = 0; i < size('accessors'); i++) {
    try {
      reader.accessor(i);
    } catch {
      return false;
    }
  }
  const ok = [
    within(json.scene, 'scenes'),
    list(json.scenes).every((scene) => all(record(scene).nodes, 'nodes')),
    list(json.nodes).every((value) => {
      const node = record(value);
      return (
        all(node.children, 'nodes') &&
        within(node.mesh, 'meshes') &&
        within(node.camera, 'cameras') &&
        within(node.skin, 'skins')
      );
    }),
    list(json.meshes).every((mesh) =>
      list(record(mesh).primitives).every((value) => {
        const primitive = record(value);
        return (
          isRecord(primitive.attributes) &&
          all(Object.values(primitive.attributes), 'accessors') &&
          within(primitive.indices, 'accessors') &&
          within(primitive.material, 'materials') &&
          list(primitive.targets).every((target) => all(Object.values(record(target)), 'accessors'))
        );
      }),
    ),
    list(json.skins).every((skin) => {
      const def = record(skin);
      return (
        all(def.joints, 'nodes') &&
        within(def.skeleton, 'nodes') &&
        within(def.inverseBindMatrices, 'accessors')
      );
    }),
    list(json.animations).every((value) => {
      const animation = record(value);
      const samplers = list(animation.samplers);
      return (
        samplers.every(
          (sampler) =>
            within(record(sampler).input, 'accessors') && within(record(sampler).output, 'accessors'),
        ) &&
        list(animation.channels).every((channel) => {
          const def = record(channel);
          const sampler = def.sampler;
          return (
            typeof sampler === 'number' &&
            sampler >= 0 &&
            sampler < samplers.length &&
            within(record(def.target).node, 'nodes')
          );
        })
      );
    }),
    list(json.textures).every((texture) => within(record(texture).source, 'images')),
    list(json.images).every((image) => within(record(image).bufferView, 'bufferViews')),
    list(json.bufferViews).every(
      (view) => typeof record(view).buffer === 'number' && within(record(view).buffer, 'buffers'),
    ),
  ];
  return ok.every(Boolean);
}

function countGeometry(meshes: unknown[], reader: AccessorReader): GeometryCounts {
  return countPrimitives(
    meshes.flatMap((mesh) =>
      list(record(mesh).primitives).map((value) => {
        const primitive = record(value);
        const positions = reader.count(record(primitive.attributes).POSITION);
        const elements = primitive.indices === undefined ? positions : reader.count(primitive.indices);
        return { mode: Number(primitive.mode ?? PrimitiveMode.TRIANGLES), positions, elements };
      }),
    ),
  );
}

/** glTF-Transform's `getBounds(scene)`, operation for operation, so that the numbers come out the same. */
function describeBounds(json: Json, reader: AccessorReader): Bounds | null {
  const scenes = list(json.scenes);
  if (scenes.length === 0) return null;
  const scene = record((typeof json.scene === 'number' && scenes[json.scene]) || scenes[0]);
  const nodes = list(json.nodes);
  const meshes = list(json.meshes);
  const min = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const visited = new Set<number>();
  const visit = (index: number, parent: number[] | null) => {
    // A node reached twice is a cycle or a second parent: invalid, and the validator says so.
    if (visited.has(index) || nodes[index] === undefined) throw unreadable();
    visited.add(index);
    const node = record(nodes[index]);
    const local = localMatrix(node);
    const world = parent ? multiply(parent, local) : local;
    if (node.mesh !== undefined) {
      const mesh = meshBounds(record(meshes[node.mesh as number]), world, reader);
      if (mesh.min.every(Number.isFinite) && mesh.max.every(Number.isFinite)) {
        for (const point of [mesh.min, mesh.max]) {
          for (let i = 0; i < 3; i++) {
            min[i] = Math.min(point[i]!, min[i]!);
            max[i] = Math.max(point[i]!, max[i]!);
          }
        }
      }
    }
    for (const child of indices(node.children)) visit(child, world);
  };
  for (const root of indices(scene.nodes)) visit(root, null);
  if (![...min, ...max].every(Number.isFinite)) return null;
  const per = (f: (i: number) => number): Vec3 => [f(0), f(1), f(2)];
  return {
    min: per((i) => min[i]!),
    max: per((i) => max[i]!),
    size: per((i) => max[i]! - min[i]!),
    center: per((i) => (min[i]! + max[i]!) / 2),
  };
}

function meshBounds(mesh: Json, m: number[], reader: AccessorReader): { min: number[]; max: number[] } {
  const min = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = m as unknown as mat4;
  for (const value of list(mesh.primitives)) {
    const primitive = record(value);
    const positionIndex = record(primitive.attributes).POSITION;
    if (positionIndex === undefined) continue;
    const position = reader.accessor(positionIndex);
    const elements = primitive.indices === undefined ? null : reader.accessor(primitive.indices);
    const n = elements ? elements.count : position.count;
    // A vertex shared by several triangles moves the bounds once: each is transformed the first time its
    // index comes (min and max do not depend on order or repetition); every index is still checked.
    const seen = new Uint8Array(position.count);
    for (let i = 0; i < n; i++) {
      const vertex = elements ? elements.get(i, 0) : i;
      if (!(vertex >= 0 && vertex < position.count)) throw unreadable();
      if (seen[vertex] === 1) continue;
      seen[vertex] = 1;
      const x = position.get(vertex, 0);
      const y = position.get(vertex, 1);
      const z = position.get(vertex, 2);
      // gl-matrix's vec3.transformMat4, as getBounds calls it.
      const w = m3 * x + m7 * y + m11 * z + m15 || 1;
      const wx = (m0 * x + m4 * y + m8 * z + m12) / w;
      const wy = (m1 * x + m5 * y + m9 * z + m13) / w;
      const wz = (m2 * x + m6 * y + m10 * z + m14) / w;
      min[0] = Math.min(wx, min[0]!);
      max[0] = Math.max(wx, max[0]!);
      min[1] = Math.min(wy, min[1]!);
      max[1] = Math.max(wy, max[1]!);
      min[2] = Math.min(wz, min[2]!);
      max[2] = Math.max(wz, max[2]!);
    }
  }
  return { min, max };
}

/** The node's matrix as glTF-Transform holds it: a `matrix` is decomposed to TRS and composed again. */
function localMatrix(node: Json): number[] {
  let translation = (node.translation ?? [0, 0, 0]) as vec3;
  let rotation = (node.rotation ?? [0, 0, 0, 1]) as vec4;
  let scale = (node.scale ?? [1, 1, 1]) as vec3;
  if (node.matrix !== undefined) {
    translation = [0, 0, 0];
    rotation = [0, 0, 0, 1];
    scale = [1, 1, 1];
    MathUtils.decompose(node.matrix as mat4, translation, rotation, scale);
  }
  return MathUtils.compose(translation, rotation, scale, [] as unknown as mat4) as unknown as number[];
}

/** gl-matrix's mat4.multiply (a * b), the same operations in the same order. */
function multiply(a: number[], b: number[]): number[] {
  const out = new Array<number>(16);
  for (let col = 0; col < 4; col++) {
    const b0 = b[col * 4]!;
    const b1 = b[col * 4 + 1]!;
    const b2 = b[col * 4 + 2]!;
    const b3 = b[col * 4 + 3]!;
    for (let row = 0; row < 4; row++) {
      out[col * 4 + row] = b0 * a[row]! + b1 * a[4 + row]! + b2 * a[8 + row]! + b3 * a[12 + row]!;
    }
  }
  return out;
}

function describeAnimation(animation: Json, reader: AccessorReader): AnimationSummary {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  // The samplers of one clip mostly share their input (its keyframe times): each is read once.
  const read = new Set<unknown>();
  for (const sampler of list(animation.samplers)) {
    const inputIndex = record(sampler).input;
    if (inputIndex === undefined || read.has(inputIndex)) continue;
    read.add(inputIndex);
    const input = reader.accessor(inputIndex);
    if (input.count === 0) continue;
    // Accessor#getMin/getMax: raw values, non-finite ones skipped.
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < input.count; i++) {
      const value = input.raw(i, 0);
      if (!Number.isFinite(value)) continue;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
    start = Math.min(start, low);
    end = Math.max(end, high);
  }
  if (!(end >= start)) start = end = 0; // no keyframes at all
  return {
    name: name(animation),
    channelCount: list(animation.channels).length,
    start,
    end,
    duration: end - start,
  };
}

function describeMorphTargets(value: unknown): MorphTargetSummary | null {
  const mesh = record(value);
  const count = Math.max(
    0,
    ...list(mesh.primitives).map((primitive) => list(record(primitive).targets).length),
  );
  if (count === 0) return null;
  const extras = mesh.extras;
  const targetNames = isRecord(extras) ? extras.targetNames : undefined;
  return {
    mesh: name(mesh),
    count,
    names: Array.isArray(targetNames) ? targetNames.filter((n): n is string => typeof n === 'string') : [],
  };
}

interface AccessorView {
  count: number;
  /** Component `j` of element `i` as `Accessor#getElement` gives it (normalized integers decoded). */
  get(i: number, j: number): number;
  /** The stored value, as `Accessor#getMin` reads it. */
  raw(i: number, j: number): number;
}

const ELEMENT_SIZE: Record<string, number> = {
  SCALAR: 1,
  VEC2: 2,
  VEC3: 3,
  VEC4: 4,
  MAT2: 4,
  MAT3: 9,
  MAT4: 16,
};
const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };

/** Reads accessor data where it lies in the BIN chunk, checking every range against the file. */
class AccessorReader {
  private readonly accessors: unknown[];
  private readonly bufferViews: unknown[];

  constructor(
    json: Json,
    private readonly bin: Uint8Array | null,
  ) {
    this.accessors = list(json.accessors);
    this.bufferViews = list(json.bufferViews);
    registerImageFormats();
  }

  /** The element count the reader would give, without reading anything. */
  count(index: unknown): number {
    if (typeof index !== 'number') return 0;
    const count = record(this.accessors[index]).count;
    return typeof count === 'number' && Number.isSafeInteger(count) && count > 0 ? count : 0;
  }

  /** The bytes of a buffer view, as the reader slices them for an image (cut short at the end of the file). */
  bufferView(index: unknown): Uint8Array | null {
    if (typeof index !== 'number' || !this.bin) return null;
    const view = record(this.bufferViews[index]);
    const start = typeof view.byteOffset === 'number' ? view.byteOffset : 0;
    const length = typeof view.byteLength === 'number' ? view.byteLength : 0;
    return this.bin.subarray(
      Math.min(start, this.bin.byteLength),
      Math.min(start + length, this.bin.byteLength),
    );
  }

  accessor(index: unknown): AccessorView {
    const def = record(typeof index === 'number' ? this.accessors[index] : undefined);
    const size = ELEMENT_SIZE[def.type as string];
    const componentType = def.componentType as number;
    const componentBytes = COMPONENT_BYTES[componentType];
    const count = def.count;
    const view = record(typeof def.bufferView === 'number' ? this.bufferViews[def.bufferView] : undefined);
    if (!size || !componentBytes || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw unreadable();
    }
    const stride = typeof view.byteStride === 'number' ? view.byteStride : size * componentBytes;
    const viewStart = typeof view.byteOffset === 'number' ? view.byteOffset : 0;
    const viewLength = typeof view.byteLength === 'number' ? view.byteLength : 0;
    const start = viewStart + (typeof def.byteOffset === 'number' ? def.byteOffset : 0);
    const end = count === 0 ? start : start + (count - 1) * stride + size * componentBytes;
    const bin = this.bin ?? new Uint8Array(0);
    if (
      count > 0 &&
      (stride <= 0 || end > viewStart + viewLength || viewStart + viewLength > bin.byteLength)
    ) {
      throw unreadable();
    }
    const data = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
    const read = componentReader(data, componentType);
    const raw = (i: number, j: number) => read(start + i * stride + j * componentBytes);
    const normalized = def.normalized === true;
    return {
      count,
      raw,
      get: normalized
        ? (i, j) => MathUtils.decodeNormalizedInt(raw(i, j), componentType as GLTF.AccessorComponentType)
        : raw,
    };
  }
}

function componentReader(data: DataView, componentType: number): (offset: number) => number {
  switch (componentType) {
    case 5120:
      return (o) => data.getInt8(o);
    case 5121:
      return (o) => data.getUint8(o);
    case 5122:
      return (o) => data.getInt16(o, true);
    case 5123:
      return (o) => data.getUint16(o, true);
    case 5125:
      return (o) => data.getUint32(o, true);
    default:
      return (o) => data.getFloat32(o, true);
  }
}

function unreadable(): AssetCoreError {
  return new AssetCoreError('GLB_UNREADABLE', 'The asset could not be read; validate it to see why.');
}

function record(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function indices(value: unknown): number[] {
  return list(value).filter((n): n is number => typeof n === 'number');
}

function unique(values: number[]): number[] {
  return [...new Set(values)];
}

function name(def: Json): string {
  return typeof def.name === 'string' ? def.name : '';
}
