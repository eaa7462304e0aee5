import { createRequire } from 'node:module';
import { buffer } from 'node:stream/consumers';
import {
  type AvatarPart,
  buildFallbackAvatar,
  composeAvatar,
  type ExportConverter,
  isAssetCoreError,
  NO_STRUCTURAL_LIMITS,
  QUALITY_PRESETS,
  readGlb,
  reduceToQuality,
  type SocketSelector,
  validateGlb,
} from '@avatar/asset-core';
import {
  type AvatarSlot,
  type ExportFormat,
  type ExportOptions,
  type ExportQuality,
  socketChoicesFor,
} from '@avatar/contracts';
import type { Document } from '@gltf-transform/core';
import { MeshoptDecoder, MeshoptSimplifier } from 'meshoptimizer';
import type { Logger } from 'pino';
import sharpModule from 'sharp';
import type { AssetRow } from '../../db/tables.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import type { AvatarForExport } from '../avatars/avatars.service.ts';
import type { RenderHost } from '../render/render.host.ts';
import { withPixelLimit } from '../uploads/codecs.ts';
import { ExportAborted, ExportFailure, throwIfAborted } from './export-failure.ts';
import { keepPosedAnimation } from './keep-posed-animation.ts';
import { type ImageConvertOptions, needsRender } from './render-converters.ts';
import { StillDocumentCache } from './still-document-cache.ts';

// A variant the upload pipeline made for a quality sits beside the original, as `{key}.{quality}.glb`.
/** Textures are decoded only within the server's pixel limit (see `DECODE_MAX_PIXELS`). */
const sharp = withPixelLimit(sharpModule);

const VARIANTS: Record<ExportQuality, ExportQuality[]> = {
  low: ['low', 'medium'],
  medium: ['medium'],
  high: [],
};

const requireFromHere = createRequire(import.meta.url);
let draco: Promise<unknown> | null = null;
/** Loaded on first use: most assets are not Draco-compressed, and the decoder is 1 MB of WASM. */
function dracoDecoder(): Promise<unknown> {
  draco ??= (
    requireFromHere('draco3dgltf') as { createDecoderModule(): Promise<unknown> }
  ).createDecoderModule();
  return draco;
}

async function read(bytes: Uint8Array): Promise<Document> {
  await MeshoptDecoder.ready;
  const dependencies: Record<string, unknown> = { 'meshopt.decoder': MeshoptDecoder };
  try {
    return await readGlb(bytes, { dependencies });
  } catch (error) {
    if (!isAssetCoreError(error) || error.code !== 'GLB_DECODER_MISSING') throw error;
    return readGlb(bytes, { dependencies: { ...dependencies, 'draco3d.decoder': await dracoDecoder() } });
  }
}

/** Parsed objects for still images, shared by the exports of this process. */
const stillDocuments = new StillDocumentCache();

interface LoadAssetOptions {
  quality: ExportQuality;
  /** For a still image: the document without animations, from the cache when it was read before. */
  still: boolean;
}

/**
 * The asset's document for a quality: its variant when the upload pipeline made one, else the original.
 * An object gone missing or unreadable leaves the asset out (null) rather than failing the export.
 */
async function loadAsset(storage: AssetStorage, row: AssetRow, options: LoadAssetOptions, log: Logger) {
  const base = row.storage_key.replace(/\.glb$/, '');
  const keys = [
    ...(row.storage_key.endsWith('.glb') ? VARIANTS[options.quality].map((q) => `${base}.${q}.glb`) : []),
    row.storage_key,
  ];
  for (const key of keys) {
    // Variants are looked for in storage every time, so one made since is used from then on.
    const cacheKey = options.still ? StillDocumentCache.keyOf(key, row.sha256) : null;
    const cached = cacheKey ? stillDocuments.get(cacheKey) : null;
    if (cached) return cached;
    let bytes: Uint8Array;
    try {
      // A copy of its own: a small Buffer may sit inside Node's shared pool, and image readers walk
      // to the end of the underlying ArrayBuffer.
      bytes = new Uint8Array(await buffer((await storage.get(key)).stream));
    } catch (error) {
      if (isStorageError(error, 'NOT_FOUND')) continue;
      throw new ExportFailure('STORAGE_UNAVAILABLE', true, { cause: error });
    }
    try {
      const document = await read(bytes);
      if (!cacheKey) return document;
      keepPosedAnimation(document);
      return stillDocuments.put(cacheKey, document, bytes.byteLength);
    } catch (error) {
      if (!isAssetCoreError(error)) throw error;
      log.warn({ err: error, assetId: row.id, key }, 'export skipped an unreadable asset');
      return null;
    }
  }
  log.warn({ assetId: row.id, key: row.storage_key }, 'export skipped an asset whose file is missing');
  return null;
}

function socketsFor(slot: AvatarSlot, row: AssetRow): readonly SocketSelector[] {
  return socketChoicesFor(slot, row.category);
}

export interface ComposeExportInput {
  avatar: AvatarForExport;
  format: ExportFormat;
  quality: ExportQuality;
  converter: ExportConverter;
  signal?: AbortSignal;
  /** Camera, background and pose the request asked for (drawn and static formats read them). */
  options?: ExportOptions;
}

export interface ComposedExport {
  bytes: Uint8Array;
  triangles: number;
}

/** The avatar as one file: load, compose onto sockets or the skeleton, colour, morph, reduce, convert. */
export async function composeExport(
  deps: { storage: AssetStorage; logger: Logger; render?: RenderHost },
  input: ComposeExportInput,
): Promise<ComposedExport> {
  const { avatar, quality, signal } = input;
  const log = deps.logger;
  // A still image without a pose shows no animation: its documents are read without them.
  const load = { quality, still: needsRender(input.converter) && !input.options?.pose };
  const [model, ...parts] = await Promise.all([
    avatar.model ? loadAsset(deps.storage, avatar.model, load, log) : null,
    ...avatar.parts.map((p) => loadAsset(deps.storage, p.row, load, log)),
  ]);
  throwIfAborted(signal);
  const document = model ?? buildFallbackAvatar();
  const partsIn: AvatarPart[] = avatar.parts.flatMap((p, i) =>
    parts[i] ? [{ slot: p.slot, document: parts[i], socket: socketsFor(p.slot, p.row) }] : [],
  );
  let triangles: number;
  try {
    await composeAvatar(document, { parts: partsIn, colors: avatar.colors, morphs: avatar.morphs });
    throwIfAborted(signal);
    const reduced = await reduceToQuality(document, {
      ...QUALITY_PRESETS[quality],
      // A drawn format's quality is its image size, not a file's triangle budget: simplifying to it
      // cost more time than the smaller model saved the render page, and tore the knight's UV seams
      // apart at low. Only an avatar past the high budget is simplified, to bound the page's time.
      ...(needsRender(input.converter) ? { maxTriangles: QUALITY_PRESETS.high.maxTriangles } : {}),
      simplifier: MeshoptSimplifier,
      encoder: sharp,
    });
    triangles = reduced.trianglesAfter;
  } catch (error) {
    if (error instanceof ExportAborted) throw error;
    throw new ExportFailure('COMPOSE_FAILED', false, { cause: error });
  }
  throwIfAborted(signal);
  // A drawn format (PNG, JPG) reads the render service; the others ignore it.
  const convertOptions: ImageConvertOptions = {
    signal,
    quality,
    ...(deps.render ? { render: deps.render } : {}),
  };
  const { camera, background, pose } = input.options ?? {};
  if (camera) convertOptions.camera = camera;
  if (background) convertOptions.background = background;
  if (pose) convertOptions.pose = pose;
  const bytes = await input.converter.convert(document, convertOptions);
  if (input.format === 'glb') await assertValidGlb(bytes);
  return { bytes, triangles };
}

/** Never hand out a GLB the Khronos validator rejects. */
async function assertValidGlb(bytes: Uint8Array): Promise<void> {
  const report = await validateGlb(bytes, NO_STRUCTURAL_LIMITS);
  if (!report.valid) {
    throw new ExportFailure('COMPOSE_FAILED', false, {
      cause: new Error(JSON.stringify(report.errors.slice(0, 5))),
    });
  }
}
