import { MathUtils, type mat4, type vec3, type vec4 } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { AccessorReader, unreadable } from './accessor-reader.ts';
import type {
  AnimationSummary,
  AssetMetadata,
  Bounds,
  GeometryCounts,
  MorphTargetSummary,
  Vec3,
} from './asset-metadata.ts';
import { countPrimitives } from './count-geometry.ts';
import { findSocketsAmong } from './find-sockets.ts';
import { type GlbContainer, isRecord } from './glb-container.ts';
import { readImageSize } from './measure-glb.ts';
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

/**
 * Plain index loops rather than chains of `map`, `filter` and `slice`: on a small upload this runs right
 * after the Khronos validator has pushed it out of the CPU's caches, where every builtin touched costs
 * more than the work it does.
 */
function describe(json: Json, raw: Raw, reader: AccessorReader, max: number): AssetMetadata {
  const nodes = list(json.nodes);
  const meshes = list(json.meshes);
  const materials = list(json.materials);
  const images = list(json.images);
  const skins = list(json.skins);
  const animations = list(json.animations);

  let primitives = 0;
  const morphTargets: MorphTargetSummary[] = [];
  for (let i = 0; i < meshes.length; i++) {
    primitives += list(record(meshes[i]).primitives).length;
    const summary = describeMorphTargets(meshes[i]);
    if (summary) morphTargets.push(summary);
  }
  const jointLists: number[][] = [];
  const joints: boolean[] = [];
  for (let i = 0; i < skins.length; i++) {
    const unique = [...new Set(indices(record(skins[i]).joints))];
    jointLists.push(unique);
    for (let j = 0; j < unique.length; j++) joints[unique[j]!] = true;
  }
  // Spelled out rather than spread: a literal of known shape is one allocation, a spread a series of
  // property additions.
  return {
    byteLength: raw.byteLength,
    generator: raw.generator,
    extensionsUsed: raw.extensionsUsed,
    extensionsRequired: raw.extensionsRequired,
    counts: {
      scenes: list(json.scenes).length,
      nodes: nodes.length,
      meshes: meshes.length,
      primitives,
      materials: materials.length,
      textures: images.length,
      skins: skins.length,
      animations: animations.length,
      morphedMeshes: morphTargets.length,
    },
    geometry: countGeometry(meshes, reader),
    bounds: describeBounds(json, reader),
    materials: describeMaterials(materials, max),
    textures: describeTextures(images, reader, max),
    skins: describeSkins(skins, jointLists, nodes, max),
    animations: describeAnimations(animations, reader, max),
    morphTargets: morphTargets.length <= max ? morphTargets : morphTargets.slice(0, max),
    nodeNames: nodeNames(nodes, max),
    sockets: describeSockets(nodes, joints, max),
  };
}

function describeMaterials(materials: unknown[], max: number): AssetMetadata['materials'] {
  const out: AssetMetadata['materials'] = [];
  for (let i = 0, end = capped(materials.length, max); i < end; i++) {
    const material = record(materials[i]);
    out.push({
      name: name(material),
      alphaMode: (material.alphaMode ?? 'OPAQUE') as AssetMetadata['materials'][number]['alphaMode'],
      doubleSided: (material.doubleSided ?? false) as boolean,
    });
  }
  return out;
}

function describeTextures(images: unknown[], reader: AccessorReader, max: number): AssetMetadata['textures'] {
  const out: AssetMetadata['textures'] = [];
  for (let i = 0, end = capped(images.length, max); i < end; i++) {
    const image = record(images[i]);
    const data = reader.bufferView(image.bufferView);
    const mimeType = typeof image.mimeType === 'string' ? image.mimeType : '';
    const size = data && data.byteLength > 0 ? readImageSize(data, mimeType) : null;
    out.push({
      name: name(image),
      mimeType,
      width: size?.[0] ?? null,
      height: size?.[1] ?? null,
      byteLength: data?.byteLength ?? 0,
    });
  }
  return out;
}

function describeSkins(
  skins: unknown[],
  jointLists: number[][],
  nodes: unknown[],
  max: number,
): AssetMetadata['skins'] {
  const out: AssetMetadata['skins'] = [];
  for (let i = 0, end = capped(skins.length, max); i < end; i++) {
    const joints = jointLists[i] ?? [];
    const jointNames: string[] = [];
    for (let j = 0, end = capped(joints.length, max); j < end; j++) {
      jointNames.push(name(record(nodes[joints[j]!])));
    }
    out.push({ name: name(record(skins[i])), jointCount: joints.length, jointNames });
  }
  return out;
}

function describeAnimations(animations: unknown[], reader: AccessorReader, max: number): AnimationSummary[] {
  const out: AnimationSummary[] = [];
  for (let i = 0, end = capped(animations.length, max); i < end; i++) {
    out.push(describeAnimation(record(animations[i]), reader));
  }
  return out;
}

/** Named nodes in document order, up to `max` (unnamed ones are skipped, not counted). */
function nodeNames(nodes: unknown[], max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = name(record(nodes[i]));
    if (n !== '') out.push(n);
  }
  return out.length <= max ? out : out.slice(0, max);
}

/** How many of `length` items `slice(0, max)` keeps: the lists are capped as the reader path caps them. */
function capped(length: number, max: number): number {
  const end = Math.trunc(max) || 0;
  return end < 0 ? Math.max(length + end, 0) : Math.min(end, length);
}

/** `findSocketsAmong` over the named nodes (it passes over unnamed ones), not called when there are none. */
function describeSockets(nodes: unknown[], joints: boolean[], max: number): AssetMetadata['sockets'] {
  const named: Array<{ name: string; isJoint: boolean; holdsContent: boolean }> = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = record(nodes[i]);
    const n = name(node);
    if (n === '') continue;
    named.push({
      name: n,
      isJoint: joints[i] === true,
      holdsContent: node.mesh !== undefined || node.camera !== undefined,
    });
  }
  return named.length > 0 ? findSocketsAmong(named, max) : [];
}

function fastPathApplies(json: Json, raw: Raw): boolean {
  for (const extension of raw.extensionsUsed) if (COMPRESSION.includes(extension)) return false;
  for (const extension of raw.extensionsRequired) if (!KNOWN_EXTENSIONS.has(extension)) return false;
  for (const buffer of list(json.buffers)) if (record(buffer).uri !== undefined) return false;
  for (const image of list(json.images)) if (record(image).bufferView === undefined) return false;
  for (const accessor of list(json.accessors)) {
    const def = record(accessor);
    if (def.bufferView === undefined || def.sparse !== undefined) return false;
  }
  return true;
}

/**
 * Every index the reader follows points at something, and every accessor lies inside the file. Plain
 * loops over module-level helpers: this runs on every upload, and closures made per call cost more than
 * the checks on a small file.
 */
function referencesResolve(json: Json, reader: AccessorReader): boolean {
  const accessorCount = list(json.accessors).length;
  for (let i = 0; i < accessorCount; i++) {
    if (!reader.resolves(i)) return false;
  }
  const sizes: Record<ReferencedList, number> = {
    accessors: accessorCount,
    bufferViews: list(json.bufferViews).length,
    buffers: list(json.buffers).length,
    cameras: list(json.cameras).length,
    images: list(json.images).length,
    materials: list(json.materials).length,
    meshes: list(json.meshes).length,
    nodes: list(json.nodes).length,
    scenes: list(json.scenes).length,
    skins: list(json.skins).length,
  };
  if (!within(json.scene, sizes.scenes)) return false;
  for (const scene of list(json.scenes)) {
    if (!allWithin(record(scene).nodes, sizes.nodes)) return false;
  }
  for (const value of list(json.nodes)) {
    const node = record(value);
    if (
      !allWithin(node.children, sizes.nodes) ||
      !within(node.mesh, sizes.meshes) ||
      !within(node.camera, sizes.cameras) ||
      !within(node.skin, sizes.skins)
    ) {
      return false;
    }
  }
  for (const mesh of list(json.meshes)) {
    for (const value of list(record(mesh).primitives)) {
      if (!primitiveResolves(record(value), sizes)) return false;
    }
  }
  for (const skin of list(json.skins)) {
    const def = record(skin);
    if (
      !allWithin(def.joints, sizes.nodes) ||
      !within(def.skeleton, sizes.nodes) ||
      !within(def.inverseBindMatrices, sizes.accessors)
    ) {
      return false;
    }
  }
  for (const animation of list(json.animations)) {
    if (!animationResolves(record(animation), sizes)) return false;
  }
  for (const texture of list(json.textures)) {
    if (!within(record(texture).source, sizes.images)) return false;
  }
  for (const image of list(json.images)) {
    if (!within(record(image).bufferView, sizes.bufferViews)) return false;
  }
  for (const view of list(json.bufferViews)) {
    const buffer = record(view).buffer;
    if (typeof buffer !== 'number' || !within(buffer, sizes.buffers)) return false;
  }
  return true;
}

type ReferencedList =
  | 'accessors'
  | 'bufferViews'
  | 'buffers'
  | 'cameras'
  | 'images'
  | 'materials'
  | 'meshes'
  | 'nodes'
  | 'scenes'
  | 'skins';

function primitiveResolves(primitive: Json, sizes: Record<ReferencedList, number>): boolean {
  if (!isRecord(primitive.attributes)) return false;
  if (!allWithin(Object.values(primitive.attributes), sizes.accessors)) return false;
  if (!within(primitive.indices, sizes.accessors)) return false;
  if (!within(primitive.material, sizes.materials)) return false;
  for (const target of list(primitive.targets)) {
    if (!allWithin(Object.values(record(target)), sizes.accessors)) return false;
  }
  return true;
}

function animationResolves(animation: Json, sizes: Record<ReferencedList, number>): boolean {
  const samplers = list(animation.samplers);
  for (const value of samplers) {
    const sampler = record(value);
    if (!within(sampler.input, sizes.accessors) || !within(sampler.output, sizes.accessors)) return false;
  }
  for (const value of list(animation.channels)) {
    const channel = record(value);
    const sampler = channel.sampler;
    if (typeof sampler !== 'number' || sampler < 0 || sampler >= samplers.length) return false;
    if (!within(record(channel.target).node, sizes.nodes)) return false;
  }
  return true;
}

/** Absent, or an index into a list of `size` items. */
function within(value: unknown, size: number): boolean {
  return (
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < size)
  );
}

function allWithin(values: unknown, size: number): boolean {
  for (const value of list(values)) {
    if (!within(value, size)) return false;
  }
  return true;
}

function countGeometry(meshes: unknown[], reader: AccessorReader): GeometryCounts {
  const shapes: Array<{ mode: number; positions: number; elements: number }> = [];
  for (let i = 0; i < meshes.length; i++) {
    const primitives = list(record(meshes[i]).primitives);
    for (let j = 0; j < primitives.length; j++) {
      const primitive = record(primitives[j]);
      const positions = reader.count(record(primitive.attributes).POSITION);
      const elements = primitive.indices === undefined ? positions : reader.count(primitive.indices);
      shapes.push({ mode: Number(primitive.mode ?? PrimitiveMode.TRIANGLES), positions, elements });
    }
  }
  return countPrimitives(shapes);
}

/** glTF-Transform's `getBounds(scene)`, operation for operation, so that the numbers come out the same. */
function describeBounds(json: Json, reader: AccessorReader): Bounds | null {
  const scenes = list(json.scenes);
  if (scenes.length === 0) return null;
  const scene = record((typeof json.scene === 'number' && scenes[json.scene]) || scenes[0]);
  const walk: SceneWalk = {
    nodes: list(json.nodes),
    meshes: list(json.meshes),
    reader,
    visited: [],
    min: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    max: [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
  };
  for (const root of indices(scene.nodes)) visitNode(walk, root, null);
  const [x0, y0, z0] = walk.min as Vec3;
  const [x1, y1, z1] = walk.max as Vec3;
  if (![x0, y0, z0, x1, y1, z1].every(Number.isFinite)) return null;
  return {
    min: [x0, y0, z0],
    max: [x1, y1, z1],
    size: [x1 - x0, y1 - y0, z1 - z0],
    center: [(x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2],
  };
}

/** What `visitNode` carries down the node tree (a plain record: a closure per upload would cost more). */
interface SceneWalk {
  nodes: unknown[];
  meshes: unknown[];
  reader: AccessorReader;
  /** Node indices reached so far. */
  visited: boolean[];
  min: number[];
  max: number[];
}

function visitNode(walk: SceneWalk, index: number, parent: readonly number[] | null): void {
  const { nodes, min, max } = walk;
  // A node reached twice is a cycle or a second parent: invalid, and the validator says so.
  if (walk.visited[index] === true || nodes[index] === undefined) throw unreadable();
  walk.visited[index] = true;
  const node = record(nodes[index]);
  const local = localMatrix(node);
  const world = parent ? multiply(parent, local) : local;
  if (node.mesh !== undefined) {
    const mesh = meshBounds(record(walk.meshes[node.mesh as number]), world, walk.reader);
    if (mesh.min.every(Number.isFinite) && mesh.max.every(Number.isFinite)) {
      for (const point of [mesh.min, mesh.max]) {
        for (let i = 0; i < 3; i++) {
          min[i] = Math.min(point[i]!, min[i]!);
          max[i] = Math.max(point[i]!, max[i]!);
        }
      }
    }
  }
  for (const child of indices(node.children)) visitNode(walk, child, world);
}

function meshBounds(
  mesh: Json,
  m: readonly number[],
  reader: AccessorReader,
): { min: number[]; max: number[] } {
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

/** What `MathUtils.compose` makes of the default translation, rotation and scale, exactly. */
const IDENTITY: readonly number[] = Object.freeze([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

/** The node's matrix as glTF-Transform holds it: a `matrix` is decomposed to TRS and composed again. */
function localMatrix(node: Json): readonly number[] {
  // Most nodes under a model's root carry no transform: composing the defaults gives the identity.
  if (
    node.matrix === undefined &&
    node.translation === undefined &&
    node.rotation === undefined &&
    node.scale === undefined
  ) {
    return IDENTITY;
  }
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
function multiply(a: readonly number[], b: readonly number[]): number[] {
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
  const primitives = list(mesh.primitives);
  let count = 0;
  for (let i = 0; i < primitives.length; i++) {
    count = Math.max(count, list(record(primitives[i]).targets).length);
  }
  if (count === 0) return null;
  const extras = mesh.extras;
  const targetNames = isRecord(extras) ? extras.targetNames : undefined;
  return {
    mesh: name(mesh),
    count,
    names: Array.isArray(targetNames) ? targetNames.filter((n): n is string => typeof n === 'string') : [],
  };
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

function name(def: Json): string {
  return typeof def.name === 'string' ? def.name : '';
}
