/**
 * A vector drawing of the avatar: triangles in world space (`bakePose`), projected through a camera,
 * back faces culled, coplanar neighbours of one material merged into polygons, flat-shaded by one light,
 * sorted back to front (painter's algorithm). Written by hand: the SVG renderers on npm draw three.js
 * scenes (SVGRenderer) and bring a renderer into asset-core; the projection and sorting are small.
 */
import type { Document, Material, Texture } from '@gltf-transform/core';
import { type BakedMesh, bakedBounds, bakePose, type PoseRequest } from './bake-pose.ts';
import { countGeometry } from './count-geometry.ts';
import type { ConvertOptions, ExportConverter } from './export-converter.ts';
import type { QualityLevel } from './quality-presets.ts';
import { reduceToQuality } from './reduce-to-quality.ts';

export type SvgCamera = NonNullable<ConvertOptions['camera']>;

/** RGBA, 8 bits per channel, rows top to bottom; null when the image cannot be decoded. */
export type TextureDecoder = (
  image: Uint8Array,
  mimeType: string,
) => Promise<{ width: number; height: number; data: Uint8Array } | null>;
type Texels = NonNullable<Awaited<ReturnType<TextureDecoder>>>;

export interface ToSvgOptions {
  camera?: SvgCamera;
  /** Picks the polygon budget from `SVG_POLYGON_BUDGETS`, unless `maxPolygons` is given. */
  quality?: QualityLevel;
  maxPolygons?: number;
  pose?: PoseRequest;
  /**
   * meshoptimizer's `MeshoptSimplifier`: a model of far more triangles than the budget is simplified
   * first (to twice the budget: about half of them face away). Without it, the smallest polygons go.
   */
  simplifier?: unknown;
  /** `#rrggbb` behind the avatar; none (transparent) by default. */
  background?: string | null;
  /** Longest side of the drawing, in SVG user units (and its width/height in px). */
  size?: number;
  /**
   * Decodes a base colour texture to RGBA pixels (in Node, `sharp`), so each polygon takes the colour
   * of the texture under it, times the material's factor. Without it polygons take the factor alone.
   */
  decodeTexture?: TextureDecoder;
  signal?: AbortSignal;
}

/**
 * Polygons per drawing: low 1,500 (a few hundred kB), medium 4,000, high 12,000. More would add bytes
 * a viewer never shows: at 1024 px most of a 12,000-polygon avatar's polygons are a few pixels wide.
 */
export const SVG_POLYGON_BUDGETS: Readonly<Record<QualityLevel, number>> = Object.freeze({
  low: 1_500,
  medium: 4_000,
  high: 12_000,
});

export const TO_SVG_DEFAULTS = Object.freeze({
  camera: { preset: 'three-quarter' } as SvgCamera,
  quality: 'medium' as QualityLevel,
  size: 1024,
});

interface Shot {
  yaw: number;
  pitch: number;
  fov: number;
  region: 'whole' | 'head-and-shoulders';
}

/** The same shots as the render service's presets (apps/web engine/framing.ts). */
const PRESETS: Record<string, Shot> = {
  front: { yaw: 0, pitch: 5, fov: 30, region: 'whole' },
  'three-quarter': { yaw: 35, pitch: 15, fov: 30, region: 'whole' },
  portrait: { yaw: 15, pitch: 5, fov: 25, region: 'head-and-shoulders' },
  'full-body': { yaw: 15, pitch: 8, fov: 35, region: 'whole' },
};
const HEAD_AND_SHOULDERS = 0.32;
const AMBIENT = 0.35;
/** Cosine between two normals above which faces count as one plane (about 1.8 degrees). */
const FLAT = 0.9995;
/** Edge (a, b) as the number a * EDGE + b: vertex ids stay far below 2^26. */
const EDGE = 2 ** 26;

export interface SvgResult {
  svg: string;
  polygons: number;
  /** Front-facing triangles before merging and the budget. */
  triangles: number;
  viewBox: [number, number, number, number];
}

type V2 = [number, number];
interface Face {
  points: V2[];
  depth: number;
  area: number;
  fill: string;
  opacity: number;
}

export async function toSvg(document: Document, options: ToSvgOptions = {}): Promise<SvgResult> {
  const quality = options.quality ?? TO_SVG_DEFAULTS.quality;
  const budget = Math.max(1, options.maxPolygons ?? SVG_POLYGON_BUDGETS[quality]);
  const size = options.size ?? TO_SVG_DEFAULTS.size;
  if (options.simplifier) {
    const triangles = countGeometry(document.getRoot().listMeshes()).triangles;
    if (triangles > budget * 2) {
      await reduceToQuality(document, {
        maxTriangles: budget * 2,
        maxTextureSize: Number.MAX_SAFE_INTEGER,
        simplifier: options.simplifier,
      });
    }
  }
  throwIfAborted(options.signal);
  const meshes = bakePose(document, options.pose);
  const texels = await decodeTextures(meshes, options.decodeTexture);
  const bounds = bakedBounds(meshes);
  const shot = resolveShot(options.camera ?? TO_SVG_DEFAULTS.camera);
  if (!bounds) return write([], [0, 0, size, size], size, options.background, 0);

  const region = regionOf(bounds, shot.region);
  const center = region.min.map((v, i) => (v + region.max[i]!) / 2);
  const radius = Math.hypot(...region.max.map((v, i) => v - region.min[i]!)) / 2 || 1;
  const rad = Math.PI / 180;
  const [yaw, pitch] = [shot.yaw * rad, Math.max(-89, Math.min(89, shot.pitch)) * rad];
  // The render service's camera, in glTF axes: Babylon's loader mirrors X and Z, so its yaw 0 (Babylon
  // -Z) sits at glTF -Z here and positive yaw moves towards glTF -X. Same numbers, same picture.
  const toCamera = [-Math.sin(yaw) * Math.cos(pitch), Math.sin(pitch), -Math.cos(yaw) * Math.cos(pitch)];
  const forward = toCamera.map((v) => -v);
  const right = unit(cross(forward, [0, 1, 0]));
  const up = cross(right, forward);
  const distance = radius / Math.sin((Math.max(5, Math.min(100, shot.fov)) * rad) / 2);
  const eye = center.map((v, i) => v + toCamera[i]! * distance);
  // Light from above, left and in front of the camera, so faces turned to the viewer are lit.
  const light = unit(right.map((v, i) => -0.45 * v + 0.7 * up[i]! + 0.55 * toCamera[i]!));
  const near = distance * 0.01;

  const faces: Face[] = [];
  let frontTriangles = 0;
  for (const mesh of meshes) {
    for (const primitive of mesh.primitives) {
      const { positions, indices } = primitive;
      const count = positions.length / 3;
      const sx = new Float64Array(count);
      const sy = new Float64Array(count);
      const sz = new Float64Array(count);
      const d = [0, 0, 0];
      for (let v = 0; v < count; v++) {
        for (let k = 0; k < 3; k++) d[k] = positions[v * 3 + k]! - eye[k]!;
        const z = dot(d, forward);
        sz[v] = z;
        sx[v] = dot(d, right) / z;
        sy[v] = dot(d, up) / z;
      }
      const style = materialStyle(primitive.material);
      const texture = primitive.material ? texels.get(primitive.material) : undefined;
      const triangles: Triangle[] = [];
      for (let t = 0; t < indices.length; t += 3) {
        const [a, b, c] = [indices[t]!, indices[t + 1]!, indices[t + 2]!];
        if (sz[a]! < near || sz[b]! < near || sz[c]! < near) continue; // behind the camera
        // Counter-clockwise on screen (y up) faces the camera.
        const area = (sx[b]! - sx[a]!) * (sy[c]! - sy[a]!) - (sx[c]! - sx[a]!) * (sy[b]! - sy[a]!);
        if (area === 0 || (area < 0 && !style.doubleSided)) continue;
        const p = (i: number) => [positions[i * 3]!, positions[i * 3 + 1]!, positions[i * 3 + 2]!];
        const [pa, pb, pc] = [p(a), p(b), p(c)];
        let normal = unit(cross(sub(pb, pa), sub(pc, pa)));
        if (area < 0) normal = normal.map((v) => -v);
        let color = style.color;
        let opacity = style.opacity;
        if (texture && primitive.uvs) {
          const uv = primitive.uvs;
          const u = (uv[a * 2]! + uv[b * 2]! + uv[c * 2]!) / 3;
          const w = (uv[a * 2 + 1]! + uv[b * 2 + 1]! + uv[c * 2 + 1]!) / 3;
          const texel = sample(texture, u, w);
          color = color.map((f, k) => f * srgbToLinear(texel[k]! / 255));
          if (style.alphaMode !== 'OPAQUE') opacity *= texel[3]! / 255;
        }
        if (style.alphaMode === 'MASK') {
          if (opacity < style.alphaCutoff) continue; // cut out, as a renderer does
          opacity = 1;
        }
        frontTriangles++;
        triangles.push({
          v: [a, b, c],
          normal,
          depth: (sz[a]! + sz[b]! + sz[c]!) / 3,
          area: Math.abs(area),
          color,
          opacity,
          key: `${hex(color)}${opacity.toFixed(2)}`,
        });
      }
      for (const group of mergeCoplanar(triangles, positions)) {
        const shade = AMBIENT + (1 - AMBIENT) * Math.max(0, dot(group.normal, light));
        faces.push({
          points: group.loop.map((v) => [sx[v]!, -sy[v]!]),
          depth: group.depth,
          area: group.area,
          fill: hex(group.color.map((c) => c * shade)),
          opacity: group.opacity,
        });
      }
      throwIfAborted(options.signal);
    }
  }

  // Over budget: the smallest polygons go first; they cover the fewest pixels.
  let kept = faces;
  if (kept.length > budget) kept = [...faces].sort((a, b) => b.area - a.area).slice(0, budget);
  kept.sort((a, b) => b.depth - a.depth); // far to near

  // The frame: the region's outline (the whole model, or its head and shoulders), projected.
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const corner of corners(region)) {
    const d = corner.map((v, k) => v - eye[k]!);
    const z = dot(d, forward);
    const x = dot(d, right) / z;
    const y = -dot(d, up) / z;
    [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
  }
  if (shot.region === 'whole') {
    // Tighter than the box's corners: the drawn polygons themselves.
    [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const face of kept)
      for (const [x, y] of face.points) {
        [minX, minY, maxX, maxY] = [
          Math.min(minX, x),
          Math.min(minY, y),
          Math.max(maxX, x),
          Math.max(maxY, y),
        ];
      }
  } else {
    kept = kept.filter((f) => f.points.some(([x, y]) => x >= minX && x <= maxX && y >= minY && y <= maxY));
  }
  if (!Number.isFinite(minX)) return write([], [0, 0, size, size], size, options.background, 0);
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const margin = span * 0.04;
  const scale = size / (span + 2 * margin);
  const width = Math.round((maxX - minX + 2 * margin) * scale);
  const height = Math.round((maxY - minY + 2 * margin) * scale);
  const placed = kept.map((face) => ({
    ...face,
    points: face.points.map(([x, y]) => [(x - minX + margin) * scale, (y - minY + margin) * scale] as V2),
  }));
  return write(placed, [0, 0, width, height], size, options.background, frontTriangles);
}

/** SVG drawn from the camera, polygon budget by quality; `ConvertOptions` carry camera, pose, quality. */
export function createSvgConverter(
  defaults: Pick<ToSvgOptions, 'simplifier' | 'size' | 'background' | 'decodeTexture'> = {},
): ExportConverter {
  return Object.freeze({
    extension: 'svg',
    contentType: 'image/svg+xml',
    async convert(document: Document, options: ConvertOptions = {}) {
      const { svg } = await toSvg(document, {
        ...defaults,
        camera: options.camera,
        quality: options.quality,
        pose: options.pose,
        signal: options.signal,
        background: options.background ?? defaults.background ?? null,
      });
      return new TextEncoder().encode(svg);
    },
  });
}

function write(
  faces: Face[],
  viewBox: [number, number, number, number],
  size: number,
  background: string | null | undefined,
  triangles: number,
): SvgResult {
  const [, , width, height] = viewBox;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox.join(' ')}" width="${width}" height="${height}">`,
    '<title>Avatar</title>',
  ];
  if (background && /^#[0-9a-fA-F]{6}$/.test(background)) {
    out.push(`<rect width="${width}" height="${height}" fill="${background}"/>`);
  }
  // A thin stroke of the fill's colour closes the hairline gaps anti-aliasing leaves between neighbours.
  const stroke = Math.max(0.3, size / 2000).toFixed(2);
  out.push(`<g stroke-linejoin="round" stroke-width="${stroke}">`);
  for (const face of faces) {
    const points = face.points.map(([x, y]) => `${round1(x)},${round1(y)}`).join(' ');
    const opacity = face.opacity < 1 ? ` fill-opacity="${face.opacity.toFixed(2)}"` : '';
    out.push(`<polygon points="${points}" fill="${face.fill}" stroke="${face.fill}"${opacity}/>`);
  }
  out.push('</g>', '</svg>');
  return { svg: `${out.join('\n')}\n`, polygons: faces.length, triangles, viewBox };
}

interface Triangle {
  v: [number, number, number];
  normal: number[];
  depth: number;
  area: number;
  color: number[];
  opacity: number;
  /** Triangles merge only with neighbours that look the same. */
  key: string;
}

interface Merged {
  loop: number[];
  normal: number[];
  depth: number;
  area: number;
  color: number[];
  opacity: number;
}

/**
 * Joins triangles that share an edge and lie in one plane into polygons (a cube face drawn as one
 * quad, a voxel model's flat sides as one shape each). Vertices are matched by position, so split
 * UV seams do not stop a merge. A group whose outline is not one simple loop stays as triangles.
 */
function mergeCoplanar(triangles: Triangle[], positions: Float32Array): Merged[] {
  const keyOf = new Map<string, number>();
  const vertexId = (v: number) => {
    const key = `${positions[v * 3]},${positions[v * 3 + 1]},${positions[v * 3 + 2]}`;
    let id = keyOf.get(key);
    if (id === undefined) {
      id = v;
      keyOf.set(key, id);
    }
    return id;
  };
  const ids = triangles.map((t) => t.v.map(vertexId) as [number, number, number]);
  const parent = triangles.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const edges = new Map<number, number>();
  ids.forEach((tri, i) => {
    for (let k = 0; k < 3; k++) {
      const [a, b] = [tri[k]!, tri[(k + 1) % 3]!];
      const other = edges.get(b * EDGE + a); // a neighbour walks the shared edge the other way
      if (
        other !== undefined &&
        triangles[i]!.key === triangles[other]!.key &&
        dot(triangles[i]!.normal, triangles[other]!.normal) > FLAT
      ) {
        // Against the groups' first triangles too, so a gentle curve does not chain into one plane.
        const [x, y] = [find(i), find(other)];
        if (x !== y && dot(triangles[x]!.normal, triangles[y]!.normal) > FLAT) parent[x] = y;
      }
      edges.set(a * EDGE + b, i);
    }
  });
  const groups = new Map<number, number[]>();
  triangles.forEach((_, i) => {
    const root = find(i);
    const list = groups.get(root);
    if (list) list.push(i);
    else groups.set(root, [i]);
  });

  const out: Merged[] = [];
  for (const members of groups.values()) {
    const single = (i: number): Merged => ({ ...triangles[i]!, loop: ids[i]! });
    if (members.length === 1) {
      out.push(single(members[0]!));
      continue;
    }
    const loop = outline(members.map((i) => ids[i]!));
    if (!loop) {
      for (const i of members) out.push(single(i));
      continue;
    }
    let area = 0;
    let depth = 0;
    for (const i of members) {
      area += triangles[i]!.area;
      depth += triangles[i]!.depth * triangles[i]!.area;
    }
    out.push({ ...triangles[members[0]!]!, loop, depth: depth / (area || 1), area });
  }
  return out;
}

/** The boundary of a set of triangles as one loop of vertex ids, or null if it is not a single loop. */
function outline(triangles: Array<[number, number, number]>): number[] | null {
  const directed = new Set<number>();
  for (const [a, b, c] of triangles) {
    directed.add(a * EDGE + b);
    directed.add(b * EDGE + c);
    directed.add(c * EDGE + a);
  }
  const next = new Map<number, number>();
  for (const [a, b, c] of triangles) {
    for (const [x, y] of [
      [a, b],
      [b, c],
      [c, a],
    ] as const) {
      if (directed.has(y * EDGE + x)) continue; // interior edge
      if (next.has(x)) return null; // two boundary edges leave one vertex: not a simple loop
      next.set(x, y);
    }
  }
  if (next.size < 3) return null;
  const start = next.keys().next().value as number;
  const loop: number[] = [start];
  for (let v = next.get(start)!; v !== start; v = next.get(v)!) {
    if (v === undefined || loop.length > next.size) return null;
    loop.push(v);
  }
  return loop.length === next.size ? loop : null;
}

function materialStyle(material: Material | null) {
  const [r, g, b, a] = material?.getBaseColorFactor() ?? [0.8, 0.8, 0.8, 1];
  const alphaMode = material?.getAlphaMode() ?? 'OPAQUE';
  return {
    color: [r, g, b],
    opacity: alphaMode === 'OPAQUE' ? 1 : a,
    alphaMode,
    alphaCutoff: material?.getAlphaCutoff() ?? 0.5,
    doubleSided: material?.getDoubleSided() ?? false,
  };
}

/** Each textured material's base colour texture, decoded once (only TEXCOORD_0 is baked). */
async function decodeTextures(
  meshes: readonly BakedMesh[],
  decode: TextureDecoder | undefined,
): Promise<Map<Material, Texels>> {
  const out = new Map<Material, Texels>();
  if (!decode) return out;
  const byTexture = new Map<Texture, Promise<Texels | null>>();
  for (const mesh of meshes) {
    for (const { material, uvs } of mesh.primitives) {
      const texture = material?.getBaseColorTexture();
      const image = texture?.getImage();
      if (!material || !texture || !image || !uvs || out.has(material)) continue;
      if ((material.getBaseColorTextureInfo()?.getTexCoord() ?? 0) !== 0) continue;
      let decoded = byTexture.get(texture);
      if (!decoded) {
        decoded = decode(image, texture.getMimeType()).catch(() => null); // unreadable: factor only
        byTexture.set(texture, decoded);
      }
      const texels = await decoded;
      if (texels && texels.width > 0 && texels.height > 0) out.set(material, texels);
    }
  }
  return out;
}

/** The texel at (u, v), nearest, wrapping (glTF's default REPEAT). */
function sample(texels: Texels, u: number, v: number): ArrayLike<number> {
  const wrap = (x: number) => x - Math.floor(x);
  const x = Math.min(texels.width - 1, Math.floor(wrap(u) * texels.width));
  const y = Math.min(texels.height - 1, Math.floor(wrap(v) * texels.height));
  const at = (y * texels.width + x) * 4;
  return texels.data.subarray(at, at + 4);
}

function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function resolveShot(camera: SvgCamera): Shot {
  if ('preset' in camera) return PRESETS[camera.preset] ?? PRESETS['three-quarter']!;
  return { yaw: camera.yaw, pitch: camera.pitch, fov: camera.fov ?? 30, region: 'whole' };
}

function regionOf(bounds: { min: number[]; max: number[] }, region: Shot['region']) {
  if (region === 'whole') return bounds;
  const { min, max } = bounds;
  const height = max[1]! - min[1]!;
  const halfWidth = Math.min((max[0]! - min[0]!) / 2, height * HEAD_AND_SHOULDERS * 0.75);
  const centerX = (min[0]! + max[0]!) / 2;
  return {
    min: [centerX - halfWidth, max[1]! - height * HEAD_AND_SHOULDERS, min[2]!],
    max: [centerX + halfWidth, max[1]!, max[2]!],
  };
}

function corners({ min, max }: { min: number[]; max: number[] }): number[][] {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [
    i & 1 ? max[0]! : min[0]!,
    i & 2 ? max[1]! : min[1]!,
    i & 4 ? max[2]! : min[2]!,
  ]);
}

/** Linear colour factors to sRGB `#rrggbb`. */
function hex(linear: number[]): string {
  const channel = (c: number) => {
    const x = Math.min(1, Math.max(0, c));
    const s = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
    return Math.round(s * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${linear.map(channel).join('')}`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const sub = (a: number[], b: number[]) => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
const cross = (a: number[], b: number[]) => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
function unit(v: number[]): number[] {
  const length = Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  return v.map((x) => x / length);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}
