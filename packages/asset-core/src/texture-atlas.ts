import type { Accessor, Document, Material, Primitive, Texture, TextureInfo } from '@gltf-transform/core';
import { PrimitiveMode } from './primitive-mode.ts';
import { withDefaults } from './with-defaults.ts';

/** RGBA8 pixels, rows top to bottom (glTF's UV origin is the image's top-left corner). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Image decoding and encoding, passed in (sharp in Node, a canvas in the browser) so that asset-core
 * imports no codec of its own.
 */
export interface AtlasImageCodec {
  /** Decodes `bytes` to RGBA8, scaled (stretched) to exactly `width` x `height`. */
  decode(bytes: Uint8Array, mimeType: string, width: number, height: number): Promise<RgbaImage>;
  /** Encodes RGBA8 pixels as PNG (or another format every glTF loader reads). */
  encode(image: RgbaImage): Promise<{ bytes: Uint8Array; mimeType: string }>;
}

export interface TextureAtlasOptions {
  /** Side of the square atlas, in pixels. */
  size: number;
  codec: AtlasImageCodec;
  /** Pixels of edge colour around each tile, so bilinear filtering and mipmaps bleed less. */
  padding: number;
  /** Most repeats of a texture along one axis that are laid into its tile; beyond, the material stays out. */
  maxRepeats: number;
  /** Side of the tile a material without textures gets (one colour: a few pixels are enough). */
  solidTileSize: number;
}

export const TEXTURE_ATLAS_DEFAULTS: Readonly<Omit<TextureAtlasOptions, 'size' | 'codec'>> = Object.freeze({
  padding: 4,
  maxRepeats: 4,
  solidTileSize: 8,
});

export interface TextureAtlasReport {
  materialsBefore: number;
  materialsAfter: number;
  /** Materials merged into an atlas material. */
  atlased: number;
  /** Materials left as they were, with why. */
  skipped: Array<{ material: string; reason: string }>;
}

type Channel = 'baseColor' | 'metallicRoughness' | 'normal' | 'emissive';
const CHANNELS: readonly Channel[] = ['baseColor', 'metallicRoughness', 'normal', 'emissive'];

interface Entry {
  material: Material;
  primitives: Primitive[];
  /** UV box mapped onto the tile: whole repeats of the texture, [uBase, uBase + uSpan). */
  uBase: number;
  vBase: number;
  uSpan: number;
  vSpan: number;
  textured: boolean;
  /** Pixel rectangle of the tile inside the atlas, padding included. */
  rect: { x: number; y: number; w: number; h: number };
}

/**
 * Merges the materials of a document into one atlas material (two when some blend: blended surfaces are
 * drawn apart from opaque ones), so that a renderer can draw the whole model in one or two calls once
 * the primitives are joined. Hand-written: no npm library builds glTF texture atlases today.
 *
 * Each material gets a tile per texture channel (base colour, metallic-roughness, normal, emissive) with
 * its factors baked into the pixels, so the atlas material's factors are all neutral; a material without
 * textures gets a small solid tile and its UVs all point at its centre. UVs are remapped into the tile.
 * A texture that repeats (UVs outside 0..1) is laid into its tile as many times as the UVs span, mirrored
 * for MIRRORED_REPEAT, so the mapping stays exact, up to `maxRepeats` per axis. Materials the atlas
 * cannot represent stay as they are: extensions (texture transforms, clearcoat, ...), a second UV set,
 * KTX2 images, clamped UVs out of range, occlusion maps. Modifies the document in place; unused
 * textures and materials are left for `prune`.
 */
export async function textureAtlas(
  document: Document,
  options: Partial<TextureAtlasOptions> & Pick<TextureAtlasOptions, 'size' | 'codec'>,
): Promise<TextureAtlasReport> {
  const opts = withDefaults(TEXTURE_ATLAS_DEFAULTS as TextureAtlasOptions, options);
  const root = document.getRoot();
  const materialsBefore = root.listMaterials().length;
  const byMaterial = new Map<Material, Primitive[]>();
  for (const mesh of root.listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const material = primitive.getMaterial();
      if (!material || primitive.getMode() !== PrimitiveMode.TRIANGLES) continue;
      byMaterial.set(material, [...(byMaterial.get(material) ?? []), primitive]);
    }
  }

  const skipped: TextureAtlasReport['skipped'] = [];
  const opaque: Entry[] = [];
  const blend: Entry[] = [];
  for (const [material, primitives] of byMaterial) {
    const entry = planEntry(material, primitives, opts.maxRepeats);
    if (typeof entry === 'string') {
      skipped.push({ material: material.getName() || '(unnamed)', reason: entry });
      continue;
    }
    (material.getAlphaMode() === 'BLEND' ? blend : opaque).push(entry);
  }

  let atlased = 0;
  for (const [entries, name] of [
    [opaque, 'atlas'],
    [blend, 'atlas_blend'],
  ] as const) {
    // A single material gains nothing from an atlas of one.
    if (entries.length < 2) continue;
    if (!layout(entries, opts)) {
      for (const e of entries) skipped.push({ material: e.material.getName(), reason: 'atlas too small' });
      continue;
    }
    await buildAtlasMaterial(document, entries, name, opts);
    atlased += entries.length;
  }
  for (const material of root.listMaterials()) {
    if (material.listParents().every((parent) => parent === root)) material.dispose();
  }
  return { materialsBefore, materialsAfter: root.listMaterials().length, atlased, skipped };
}

function textureOf(material: Material, channel: Channel): Texture | null {
  switch (channel) {
    case 'baseColor':
      return material.getBaseColorTexture();
    case 'metallicRoughness':
      return material.getMetallicRoughnessTexture();
    case 'normal':
      return material.getNormalTexture();
    case 'emissive':
      return material.getEmissiveTexture();
  }
}

function infoOf(material: Material, channel: Channel): TextureInfo | null {
  switch (channel) {
    case 'baseColor':
      return material.getBaseColorTextureInfo();
    case 'metallicRoughness':
      return material.getMetallicRoughnessTextureInfo();
    case 'normal':
      return material.getNormalTextureInfo();
    case 'emissive':
      return material.getEmissiveTextureInfo();
  }
}

// glTF's sampler wrap modes (WebGL enums).
const CLAMP_TO_EDGE = 33071;
const MIRRORED_REPEAT = 33648;

const DECODABLE = new Set(['image/png', 'image/jpeg', 'image/webp']);

/** The material's UV box and whether the atlas can hold it; a string says why not. */
function planEntry(material: Material, primitives: Primitive[], maxRepeats: number): Entry | string {
  if (material.listExtensions().length > 0) return 'material extensions';
  if (material.getOcclusionTexture()) return 'occlusion map';
  if (material.getNormalTexture() && material.getNormalScale() !== 1) return 'scaled normal map';
  const channels = CHANNELS.filter((c) => textureOf(material, c));
  const base = {
    material,
    primitives,
    uBase: 0,
    vBase: 0,
    uSpan: 1,
    vSpan: 1,
    rect: { x: 0, y: 0, w: 0, h: 0 },
  };
  if (channels.length === 0) return { ...base, textured: false };
  for (const channel of channels) {
    const info = infoOf(material, channel)!;
    const texture = textureOf(material, channel)!;
    if (info.getTexCoord() !== 0 || info.listExtensions().length > 0)
      return 'second UV set or texture transform';
    if (!DECODABLE.has(texture.getMimeType()) || !texture.getImage()) return `${texture.getMimeType()} image`;
  }
  let [u0, v0, u1, v1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const primitive of primitives) {
    const uv = primitive.getAttribute('TEXCOORD_0');
    if (!uv) return 'textured without UVs';
    const el = [0, 0];
    for (let i = 0; i < uv.getCount(); i++) {
      uv.getElement(i, el);
      u0 = Math.min(u0, el[0]!);
      u1 = Math.max(u1, el[0]!);
      v0 = Math.min(v0, el[1]!);
      v1 = Math.max(v1, el[1]!);
    }
  }
  const EPS = 1e-4;
  const inside = u0 >= -EPS && v0 >= -EPS && u1 <= 1 + EPS && v1 <= 1 + EPS;
  if (inside || !Number.isFinite(u0)) return { ...base, textured: true };
  const info = infoOf(material, channels[0]!)!;
  const clamped = [info.getWrapS(), info.getWrapT()].includes(CLAMP_TO_EDGE);
  if (clamped) return 'clamped UVs outside 0..1';
  const uBase = Math.floor(u0 + EPS);
  const vBase = Math.floor(v0 + EPS);
  const uSpan = Math.max(1, Math.ceil(u1 - EPS) - uBase);
  const vSpan = Math.max(1, Math.ceil(v1 - EPS) - vBase);
  if (uSpan > maxRepeats || vSpan > maxRepeats) return `texture repeats more than ${maxRepeats} times`;
  return { ...base, textured: true, uBase, vBase, uSpan, vSpan };
}

/**
 * Textured tiles on a square grid at the top, solid tiles in rows of small squares below. False when
 * the tiles would be too small to be of use.
 */
function layout(entries: Entry[], opts: TextureAtlasOptions): boolean {
  const textured = entries.filter((e) => e.textured);
  const solid = entries.filter((e) => !e.textured);
  const s = opts.solidTileSize;
  const perRow = Math.floor(opts.size / s);
  const solidRows = Math.ceil(solid.length / perRow);
  const height = opts.size - solidRows * s;
  solid.forEach((e, i) => {
    e.rect = { x: (i % perRow) * s, y: height + Math.floor(i / perRow) * s, w: s, h: s };
  });
  if (textured.length === 0) return height >= 0;
  const cols = Math.ceil(Math.sqrt(textured.length));
  const rows = Math.ceil(textured.length / cols);
  const cell = Math.floor(Math.min(opts.size / cols, height / rows));
  if (cell < 4 * opts.padding + 4) return false;
  textured.forEach((e, i) => {
    e.rect = { x: (i % cols) * cell, y: Math.floor(i / cols) * cell, w: cell, h: cell };
  });
  return true;
}

async function buildAtlasMaterial(
  document: Document,
  entries: Entry[],
  name: string,
  opts: TextureAtlasOptions,
): Promise<void> {
  const first = entries[0]!.material;
  const material = document
    .createMaterial(name)
    .setAlphaMode(first.getAlphaMode())
    .setDoubleSided(entries.some((e) => e.material.getDoubleSided()))
    .setBaseColorFactor([1, 1, 1, 1])
    .setMetallicFactor(1)
    .setRoughnessFactor(1);
  const masked = entries.find((e) => e.material.getAlphaMode() === 'MASK');
  if (masked && name === 'atlas') {
    material.setAlphaMode('MASK').setAlphaCutoff(masked.material.getAlphaCutoff());
  }

  for (const channel of CHANNELS) {
    // A channel no material textures stays out unless a factor differs from the neutral one.
    if (!entries.some((e) => textureOf(e.material, channel) || !neutralFactor(e.material, first, channel))) {
      if (channel === 'metallicRoughness') {
        material.setMetallicFactor(first.getMetallicFactor()).setRoughnessFactor(first.getRoughnessFactor());
      }
      continue;
    }
    const atlas: RgbaImage = {
      width: opts.size,
      height: opts.size,
      data: new Uint8Array(opts.size * opts.size * 4),
    };
    for (const entry of entries) await paintTile(atlas, entry, channel, opts);
    const { bytes, mimeType } = await opts.codec.encode(atlas);
    const texture = document.createTexture(`${name}_${channel}`).setImage(bytes).setMimeType(mimeType);
    switch (channel) {
      case 'baseColor':
        material.setBaseColorTexture(texture);
        break;
      case 'metallicRoughness':
        material.setMetallicRoughnessTexture(texture);
        break;
      case 'normal':
        material.setNormalTexture(texture);
        break;
      case 'emissive':
        material.setEmissiveTexture(texture).setEmissiveFactor([1, 1, 1]);
        break;
    }
    const info = infoOf(material, channel)!;
    info.setWrapS(CLAMP_TO_EDGE).setWrapT(CLAMP_TO_EDGE);
  }

  for (const entry of entries) {
    for (const primitive of entry.primitives) {
      remapUVs(document, primitive, entry, opts);
      primitive.setMaterial(material);
    }
  }
}

/** True when the material's factor for the channel needs no texture (all the same, or neutral). */
function neutralFactor(material: Material, first: Material, channel: Channel): boolean {
  switch (channel) {
    case 'baseColor':
      return material.getBaseColorFactor().every((v) => v === 1);
    case 'metallicRoughness':
      return (
        material.getMetallicFactor() === first.getMetallicFactor() &&
        material.getRoughnessFactor() === first.getRoughnessFactor()
      );
    case 'normal':
      return true;
    case 'emissive':
      return material.getEmissiveFactor().every((v) => v === 0);
  }
}

// sRGB <-> linear, for multiplying linear factors into sRGB-encoded colour textures.
const TO_LINEAR = Float32Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
function toSrgb(linear: number): number {
  const c = Math.min(1, Math.max(0, linear));
  const s = c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(s * 255);
}

/** What one pixel of the material's tile becomes for a channel, from the texture's pixel (or none). */
function shade(material: Material, channel: Channel): (px: Uint8Array | null, out: Uint8Array) => void {
  switch (channel) {
    case 'baseColor': {
      const [r, g, b, a] = material.getBaseColorFactor();
      const opaque = material.getAlphaMode() === 'OPAQUE';
      return (px, out) => {
        out[0] = toSrgb((px ? TO_LINEAR[px[0]!]! : 1) * r);
        out[1] = toSrgb((px ? TO_LINEAR[px[1]!]! : 1) * g);
        out[2] = toSrgb((px ? TO_LINEAR[px[2]!]! : 1) * b);
        // Alpha is linear; an opaque material ignores it, so it must not vanish under the atlas's MASK.
        out[3] = opaque ? 255 : Math.round((px ? px[3]! / 255 : 1) * a * 255);
      };
    }
    case 'metallicRoughness': {
      const metallic = material.getMetallicFactor();
      const roughness = material.getRoughnessFactor();
      return (px, out) => {
        out[0] = 255;
        out[1] = Math.round((px ? px[1]! : 255) * roughness);
        out[2] = Math.round((px ? px[2]! : 255) * metallic);
        out[3] = 255;
      };
    }
    case 'normal':
      return (px, out) => {
        out.set(px ? [px[0]!, px[1]!, px[2]!, 255] : [128, 128, 255, 255]);
      };
    case 'emissive': {
      const [r, g, b] = material.getEmissiveFactor();
      return (px, out) => {
        out[0] = toSrgb((px ? TO_LINEAR[px[0]!]! : 1) * r);
        out[1] = toSrgb((px ? TO_LINEAR[px[1]!]! : 1) * g);
        out[2] = toSrgb((px ? TO_LINEAR[px[2]!]! : 1) * b);
        out[3] = 255;
      };
    }
  }
}

/** Fills the entry's tile (padding included, by edge extension) with the channel's pixels. */
async function paintTile(atlas: RgbaImage, entry: Entry, channel: Channel, opts: TextureAtlasOptions) {
  const { rect, material } = entry;
  const pad = entry.textured ? opts.padding : 0;
  const innerW = rect.w - 2 * pad;
  const innerH = rect.h - 2 * pad;
  const texture = textureOf(material, channel);
  const info = infoOf(material, channel);
  // One copy of the texture per repeat: decode it once at the size one repeat takes in the tile.
  const tileW = Math.max(1, Math.round(innerW / entry.uSpan));
  const tileH = Math.max(1, Math.round(innerH / entry.vSpan));
  const source = texture
    ? await opts.codec.decode(texture.getImage()!, texture.getMimeType(), tileW, tileH)
    : null;
  const mirrorS = info?.getWrapS() === MIRRORED_REPEAT;
  const mirrorT = info?.getWrapT() === MIRRORED_REPEAT;
  const toPixel = shade(material, channel);
  const px = new Uint8Array(4);
  const out = new Uint8Array(4);
  for (let y = 0; y < rect.h; y++) {
    const iy = Math.min(innerH - 1, Math.max(0, y - pad));
    for (let x = 0; x < rect.w; x++) {
      const ix = Math.min(innerW - 1, Math.max(0, x - pad));
      let sample: Uint8Array | null = null;
      if (source) {
        const sx = sourceIndex(ix, innerW, entry.uSpan, entry.uBase, source.width, mirrorS);
        const sy = sourceIndex(iy, innerH, entry.vSpan, entry.vBase, source.height, mirrorT);
        const at = (sy * source.width + sx) * 4;
        px.set(source.data.subarray(at, at + 4));
        sample = px;
      }
      toPixel(sample, out);
      atlas.data.set(out, ((rect.y + y) * atlas.width + rect.x + x) * 4);
    }
  }
}

/** Which source pixel a tile pixel shows: the repeat it falls in, mirrored on odd repeats if asked. */
function sourceIndex(i: number, inner: number, span: number, base: number, size: number, mirror: boolean) {
  const t = ((i + 0.5) / inner) * span;
  const repeat = Math.floor(t);
  let f = t - repeat;
  if (mirror && (base + repeat) % 2 !== 0) f = 1 - f;
  return Math.min(size - 1, Math.max(0, Math.floor(f * size)));
}

/** New UVs for the primitive, inside its tile; a primitive without UVs gets them (the tile's centre). */
function remapUVs(document: Document, primitive: Primitive, entry: Entry, opts: TextureAtlasOptions) {
  const { rect } = entry;
  const pad = entry.textured ? opts.padding : 0;
  const size = opts.size;
  const scaleU = (rect.w - 2 * pad) / size / entry.uSpan;
  const scaleV = (rect.h - 2 * pad) / size / entry.vSpan;
  const offsetU = (rect.x + pad) / size;
  const offsetV = (rect.y + pad) / size;
  const count = primitive.getAttribute('POSITION')!.getCount();
  const uv = primitive.getAttribute('TEXCOORD_0');
  const out = new Float32Array(count * 2);
  const el = [0, 0];
  for (let i = 0; i < count; i++) {
    if (entry.textured && uv) {
      uv.getElement(i, el);
      out[i * 2] = offsetU + (el[0]! - entry.uBase) * scaleU;
      out[i * 2 + 1] = offsetV + (el[1]! - entry.vBase) * scaleV;
    } else {
      out[i * 2] = (rect.x + rect.w / 2) / size;
      out[i * 2 + 1] = (rect.y + rect.h / 2) / size;
    }
  }
  const buffer = document.getRoot().listBuffers()[0] ?? document.createBuffer();
  const accessor: Accessor = document.createAccessor().setType('VEC2').setArray(out).setBuffer(buffer);
  primitive.setAttribute('TEXCOORD_0', accessor);
  for (const target of primitive.listTargets()) {
    const delta = target.getAttribute('TEXCOORD_0');
    if (!delta) continue;
    const scaled = new Float32Array(delta.getCount() * 2);
    for (let i = 0; i < delta.getCount(); i++) {
      delta.getElement(i, el);
      scaled[i * 2] = entry.textured ? el[0]! * scaleU : 0;
      scaled[i * 2 + 1] = entry.textured ? el[1]! * scaleV : 0;
    }
    target.setAttribute(
      'TEXCOORD_0',
      document.createAccessor().setType('VEC2').setArray(scaled).setBuffer(buffer),
    );
  }
  if (uv?.listParents().every((parent) => parent === document.getRoot())) uv.dispose();
}
