import { BufferUtils, ImageUtils } from '@gltf-transform/core';
import { EXTTextureAVIF, EXTTextureWebP, KHRTextureBasisu } from '@gltf-transform/extensions';
import { type GlbContainer, isRecord } from './glb-container.ts';
import { PrimitiveMode } from './primitive-mode.ts';
import type { GlbStats } from './validation-report.ts';

/** Where the largest of each "max" statistic sits, so a limit issue can point at it. */
export type StatPointers = Partial<Record<'maxTextureDimension' | 'maxJoints' | 'maxMorphTargets', string>>;

/**
 * Counts what the limits are about straight from the JSON, before any full parse. The JSON has not been
 * validated yet, so every field is read as "maybe garbage": a wrong type counts as absent.
 */
export function measureGlb(
  container: GlbContainer,
  bytes: number,
): { stats: GlbStats; pointers: StatPointers } {
  const { json } = container;
  const accessors = list(json.accessors);
  const countOf = (index: unknown): number => {
    const accessor = typeof index === 'number' ? accessors[index] : undefined;
    return isRecord(accessor) ? count(accessor.count) : 0;
  };

  const pointers: StatPointers = {};
  let triangles = 0;
  let vertices = 0;
  let maxMorphTargets = 0;
  list(json.meshes).forEach((mesh, meshIndex) => {
    list(isRecord(mesh) ? mesh.primitives : undefined).forEach((primitive, primitiveIndex) => {
      if (!isRecord(primitive)) return;
      const positions = countOf(isRecord(primitive.attributes) ? primitive.attributes.POSITION : undefined);
      const elements = primitive.indices === undefined ? positions : countOf(primitive.indices);
      vertices += positions;
      triangles += triangleCount(primitive.mode ?? PrimitiveMode.TRIANGLES, elements);
      const targets = list(primitive.targets).length;
      if (targets > maxMorphTargets) {
        maxMorphTargets = targets;
        pointers.maxMorphTargets = `/meshes/${meshIndex}/primitives/${primitiveIndex}`;
      }
    });
  });

  let maxJoints = 0;
  list(json.skins).forEach((skin, index) => {
    const joints = list(isRecord(skin) ? skin.joints : undefined).length;
    if (joints > maxJoints) {
      maxJoints = joints;
      pointers.maxJoints = `/skins/${index}`;
    }
  });

  let maxTextureDimension = 0;
  list(json.images).forEach((image, index) => {
    const size = readImageSize(image, json, container.bin);
    const largest = size ? Math.max(size[0], size[1]) : 0;
    if (largest > maxTextureDimension) {
      maxTextureDimension = largest;
      pointers.maxTextureDimension = `/images/${index}`;
    }
  });

  const stats: GlbStats = {
    bytes,
    triangles,
    vertices,
    nodes: list(json.nodes).length,
    meshes: list(json.meshes).length,
    materials: list(json.materials).length,
    textures: list(json.images).length,
    maxTextureDimension,
    skins: list(json.skins).length,
    maxJoints,
    animations: list(json.animations).length,
    maxMorphTargets,
  };
  return { stats, pointers };
}

function triangleCount(mode: unknown, elements: number): number {
  if (mode === PrimitiveMode.TRIANGLES) return Math.floor(elements / 3);
  if (mode === PrimitiveMode.TRIANGLE_STRIP || mode === PrimitiveMode.TRIANGLE_FAN)
    return Math.max(0, elements - 2);
  return 0; // points and lines
}

let imageFormatsRegistered = false;

/** [width, height] from the image header, or null when the image cannot be found or read. */
function readImageSize(
  image: unknown,
  json: Record<string, unknown>,
  bin: Uint8Array | null,
): [number, number] | null {
  if (!imageFormatsRegistered) {
    // Core reads PNG and JPEG headers; these three teach it WebP, AVIF and KTX2 (pure JS, no codecs).
    for (const extension of [EXTTextureWebP, EXTTextureAVIF, KHRTextureBasisu]) extension.register();
    imageFormatsRegistered = true;
  }
  try {
    const data = imageBytes(image, json, bin);
    if (!data) return null;
    const declared = isRecord(image) && typeof image.mimeType === 'string' ? image.mimeType : null;
    const mimeType = declared ?? ImageUtils.getMimeType(data);
    const size = mimeType ? ImageUtils.getSize(data, mimeType) : null;
    return size?.every((n) => Number.isFinite(n) && n >= 0) ? [size[0], size[1]] : null;
  } catch {
    return null; // a broken image header is the Khronos validator's to report, not a limit
  }
}

function imageBytes(
  image: unknown,
  json: Record<string, unknown>,
  bin: Uint8Array | null,
): Uint8Array | null {
  if (!isRecord(image)) return null;
  if (typeof image.uri === 'string') {
    if (!image.uri.startsWith('data:')) return null;
    // Copied out of Node's shared Buffer pool for the same reason as the slice below.
    return new Uint8Array(BufferUtils.createBufferFromDataURI(image.uri));
  }
  const bufferView =
    typeof image.bufferView === 'number' ? list(json.bufferViews)[image.bufferView] : undefined;
  if (!isRecord(bufferView) || !bin) return null;
  const buffer = typeof bufferView.buffer === 'number' ? list(json.buffers)[bufferView.buffer] : undefined;
  if (!isRecord(buffer) || buffer.uri !== undefined) return null;
  const start = count(bufferView.byteOffset);
  const end = start + count(bufferView.byteLength);
  if (end > bin.byteLength) return null;
  // A copy, not a view: core's JPEG reader walks to the end of the underlying ArrayBuffer.
  return bin.slice(start, end);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
