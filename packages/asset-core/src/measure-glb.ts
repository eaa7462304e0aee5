import { BufferUtils, ImageUtils } from '@gltf-transform/core';
import { EXTTextureAVIF, EXTTextureWebP, KHRTextureBasisu } from '@gltf-transform/extensions';
import { type GlbContainer, isRecord } from './glb-container.ts';
import { PrimitiveMode } from './primitive-mode.ts';
import type { GlbStats } from './validation-report.ts';

/** Where the largest of each "max" statistic sits, so a limit issue can point at it. */
export type StatPointers = Partial<Record<'maxTextureDimension' | 'maxJoints' | 'maxMorphTargets', string>>;

/**
 * What an image's header says, for every image whose bytes are inside the file: its size, or `null` when
 * the header could not be read (a format the reader does not know, or a damaged header).
 */
export interface ImageHeader {
  index: number;
  /** The format the bytes start like (what a decoder would go by), else the declared `mimeType`. */
  mimeType: string | null;
  size: [number, number] | null;
}

/**
 * Counts what the limits are about straight from the JSON, before any full parse. The JSON has not been
 * validated yet, so every field is read as "maybe garbage": a wrong type counts as absent.
 */
export function measureGlb(
  container: GlbContainer,
  bytes: number,
): { stats: GlbStats; pointers: StatPointers; images: ImageHeader[] } {
  const { json } = container;
  const accessors = list(json.accessors);

  const pointers: StatPointers = {};
  let triangles = 0;
  let vertices = 0;
  let maxMorphTargets = 0;
  // Index loops, not forEach: this runs on every upload, and on a small one its cost is mostly overhead.
  const meshes = list(json.meshes);
  for (let meshIndex = 0; meshIndex < meshes.length; meshIndex++) {
    const mesh = meshes[meshIndex];
    const primitives = list(isRecord(mesh) ? mesh.primitives : undefined);
    for (let primitiveIndex = 0; primitiveIndex < primitives.length; primitiveIndex++) {
      const primitive = primitives[primitiveIndex];
      if (!isRecord(primitive)) continue;
      const positions = countOf(
        accessors,
        isRecord(primitive.attributes) ? primitive.attributes.POSITION : undefined,
      );
      const elements = primitive.indices === undefined ? positions : countOf(accessors, primitive.indices);
      vertices += positions;
      triangles += triangleCount(primitive.mode ?? PrimitiveMode.TRIANGLES, elements);
      const targets = list(primitive.targets).length;
      if (targets > maxMorphTargets) {
        maxMorphTargets = targets;
        pointers.maxMorphTargets = `/meshes/${meshIndex}/primitives/${primitiveIndex}`;
      }
    }
  }

  let maxJoints = 0;
  const skins = list(json.skins);
  for (let index = 0; index < skins.length; index++) {
    const skin = skins[index];
    const joints = list(isRecord(skin) ? skin.joints : undefined).length;
    if (joints > maxJoints) {
      maxJoints = joints;
      pointers.maxJoints = `/skins/${index}`;
    }
  }

  let maxTextureDimension = 0;
  const images: ImageHeader[] = [];
  const imageDefs = list(json.images);
  for (let index = 0; index < imageDefs.length; index++) {
    const header = readImageHeader(imageDefs[index], index, json, container.bin);
    if (header) images.push(header);
    const size = header?.size;
    const largest = size ? Math.max(size[0], size[1]) : 0;
    if (largest > maxTextureDimension) {
      maxTextureDimension = largest;
      pointers.maxTextureDimension = `/images/${index}`;
    }
  }

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
  return { stats, pointers, images };
}

/** The element count of the accessor at `index`; 0 when there is none or its count is not one. */
function countOf(accessors: unknown[], index: unknown): number {
  const accessor = typeof index === 'number' ? accessors[index] : undefined;
  return isRecord(accessor) ? count(accessor.count) : 0;
}

function triangleCount(mode: unknown, elements: number): number {
  if (mode === PrimitiveMode.TRIANGLES) return Math.floor(elements / 3);
  if (mode === PrimitiveMode.TRIANGLE_STRIP || mode === PrimitiveMode.TRIANGLE_FAN)
    return Math.max(0, elements - 2);
  return 0; // points and lines
}

let imageFormatsRegistered = false;

/** Header bytes every supported format keeps its size in; a JPEG may need more (EXIF and ICC come first). */
const HEADER_PREFIX_BYTES = 64 * 1024;

/** The image's header, or null when its bytes are not in the file (the validator reports that). */
function readImageHeader(
  image: unknown,
  index: number,
  json: Record<string, unknown>,
  bin: Uint8Array | null,
): ImageHeader | null {
  const data = imageBytes(image, json, bin);
  if (!data) return null;
  registerImageFormats();
  const declared = isRecord(image) && typeof image.mimeType === 'string' ? image.mimeType : null;
  // What the bytes are, before what the JSON says: a decoder goes by the bytes.
  const mimeType = ImageUtils.getMimeType(data) ?? declared;
  return { index, mimeType, size: mimeType ? readImageSize(data, mimeType) : null };
}

/** Core reads PNG and JPEG headers; this teaches it WebP, AVIF and KTX2 (pure JS, no codecs). */
export function registerImageFormats(): void {
  if (imageFormatsRegistered) return;
  for (const extension of [EXTTextureWebP, EXTTextureAVIF, KHRTextureBasisu]) extension.register();
  imageFormatsRegistered = true;
}

/** [width, height] from the header of an image in `mimeType`, as glTF-Transform reads it; null if unreadable. */
export function readImageSize(data: Uint8Array, mimeType: string): [number, number] | null {
  // A prefix first: copying a large texture whole only to read its first bytes would cost more than the rest.
  const prefix = data.byteLength > HEADER_PREFIX_BYTES ? copyOf(data, HEADER_PREFIX_BYTES) : null;
  return (prefix && sizeOf(prefix, mimeType)) ?? sizeOf(copyOf(data, data.byteLength), mimeType);
}

/** The first `length` bytes in a buffer of their own (`Buffer#slice` would answer a view). */
function copyOf(data: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(data.subarray(0, length));
}

/** [width, height] from the header; the bytes must be a copy (core's JPEG reader walks to the end of the buffer). */
function sizeOf(copy: Uint8Array, mimeType: string): [number, number] | null {
  try {
    const size = ImageUtils.getSize(copy, mimeType);
    return size?.every((n) => Number.isSafeInteger(n) && n >= 0) ? [size[0], size[1]] : null;
  } catch {
    return null; // an unreadable header: the caller decides what that means
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
    return BufferUtils.createBufferFromDataURI(image.uri);
  }
  const bufferView =
    typeof image.bufferView === 'number' ? list(json.bufferViews)[image.bufferView] : undefined;
  if (!isRecord(bufferView) || !bin) return null;
  const buffer = typeof bufferView.buffer === 'number' ? list(json.buffers)[bufferView.buffer] : undefined;
  if (!isRecord(buffer) || buffer.uri !== undefined) return null;
  const start = count(bufferView.byteOffset);
  const end = start + count(bufferView.byteLength);
  if (end > bin.byteLength) return null;
  return bin.subarray(start, end); // a view: `sizeOf` reads from copies
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0;
}
