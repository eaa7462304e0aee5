/// <reference path="../uploads/draco3dgltf.d.ts" />
import {
  type AtlasImageCodec,
  countDrawCalls,
  createGltfIO,
  type ExportConverter,
  filterMorphTargets,
  mergeDrawCalls,
  poseAvatar,
  reduceToQuality,
  textureAtlas,
} from '@avatar/asset-core';
import type { Document } from '@gltf-transform/core';
import { draco, meshopt, prune, textureCompress, unpartition } from '@gltf-transform/functions';
import type sharpModule from 'sharp';
import { AppError } from '../../http/errors.ts';
import { loadEncoders } from '../uploads/codecs.ts';
import type { DeliveryParams } from './delivery-params.ts';

type Sharp = typeof sharpModule;

/** What a build measured, for the cache row, the metrics and the benchmark. */
export interface DeliveryStats {
  triangles: number;
  drawCalls: number;
}

const LOD_RATIO = { 0: 1, 1: 0.5, 2: 0.25 } as const;

let dracoEncoder: Promise<unknown> | undefined;
/** Loaded on first `meshCompression=draco`: 1 MB of WASM most servers never need. */
function loadDracoEncoder(): Promise<unknown> {
  dracoEncoder ??= import('draco3dgltf').then((m) => (m.default ?? m).createEncoderModule());
  dracoEncoder.catch(() => {
    dracoEncoder = undefined;
  });
  return dracoEncoder;
}

/** sharp as the atlas's image codec: RGBA8 in, PNG out. */
function sharpCodec(sharp: Sharp): AtlasImageCodec {
  return {
    async decode(bytes, _mimeType, width, height) {
      const { data, info } = await sharp(bytes)
        .resize(width, height, { fit: 'fill' })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data) };
    },
    async encode(image) {
      const bytes = await sharp(image.data, {
        raw: { width: image.width, height: image.height, channels: 4 },
      })
        .png({ compressionLevel: 6 })
        .toBuffer();
      return { bytes: new Uint8Array(bytes), mimeType: 'image/png' };
    },
  };
}

/** A KTX2 (Basis Universal) encoder is not part of this server: see the README's delivery section. */
export function assertTextureFormatAvailable(params: DeliveryParams): void {
  if (params.textureFormat === 'ktx2') {
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      'VALIDATION_FAILED',
      'textureFormat=ktx2 is not available on this server (no KTX2 encoder is installed); use original or webp',
    );
  }
}

/**
 * The export pipeline's converter for a delivery URL: after composition and the quality preset, applies
 * the URL's parameters in this order (pose, morph targets, lod, texture size, atlas and draw-call merge,
 * texture format, mesh compression) and writes the GLB. `stats` is filled in on the way.
 */
export function deliveryConverter(params: DeliveryParams, stats: DeliveryStats): ExportConverter {
  return {
    extension: 'glb',
    contentType: 'model/gltf-binary',
    async convert(document: Document) {
      const encoders = await loadEncoders();
      const sharp = encoders.sharp as Sharp;
      if (params.pose) {
        const report = poseAvatar(document, params.pose);
        if (!report.posed) {
          throw new AppError('UNPROCESSABLE_CONTENT', 'VALIDATION_FAILED', poseMessage(report.animations), {
            details: { animations: report.animations },
          });
        }
      }
      if (params.morphTargets !== 'all') filterMorphTargets(document, params.morphTargets);
      const ratio = LOD_RATIO[params.lod];
      const triangles = await reduceToQuality(document, {
        maxTriangles: Number.POSITIVE_INFINITY,
        maxTextureSize: params.textureSizeLimit ?? Number.POSITIVE_INFINITY,
        encoder: sharp,
      });
      if (ratio < 1) {
        await reduceToQuality(document, {
          maxTriangles: Math.max(1, Math.floor(triangles.trianglesAfter * ratio)),
          maxTextureSize: Number.POSITIVE_INFINITY,
          simplifier: encoders.simplifier,
        });
      }
      if (params.textureAtlas) {
        await textureAtlas(document, { size: params.textureAtlas, codec: sharpCodec(sharp) });
        mergeDrawCalls(document);
      }
      await document.transform(prune({ keepLeaves: true, keepAttributes: false, keepExtras: true }));
      if (params.textureFormat === 'webp') {
        await document.transform(textureCompress({ encoder: sharp, targetFormat: 'webp', quality: 85 }));
      }
      if (document.getRoot().listBuffers().length > 1) await document.transform(unpartition());
      const dependencies: Record<string, unknown> = { ...encoders.dependencies };
      if (params.meshCompression === 'meshopt') {
        dependencies['meshopt.encoder'] = encoders.meshoptEncoder;
        await document.transform(meshopt({ encoder: encoders.meshoptEncoder, level: 'medium' }));
      } else if (params.meshCompression === 'draco') {
        dependencies['draco3d.encoder'] = await loadDracoEncoder();
        await document.transform(draco({ method: 'edgebreaker' }));
      }
      stats.triangles = countTriangles(document);
      stats.drawCalls = countDrawCalls(document);
      return createGltfIO(dependencies).writeBinary(document);
    },
  };
}

function poseMessage(animations: string[]): string {
  const list = animations.length ? animations.slice(0, 20).join(', ') : 'none';
  return `pose names an animation this avatar does not have; its animations: ${list}`;
}

function countTriangles(document: Document): number {
  let n = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      if (primitive.getMode() !== 4) continue;
      n += Math.floor(
        (primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0) / 3,
      );
    }
  }
  return n;
}
