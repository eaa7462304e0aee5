import { type ConvertOptions, type ExportConverter, toGlb } from '@avatar/asset-core';
import type { ExportQuality } from '@avatar/contracts';
import type { Document } from '@gltf-transform/core';
import type { RenderHost } from '../render/render.host.ts';
import { isRenderError } from '../render/render.types.ts';
import { ExportFailure, throwIfAborted } from './export-failure.ts';
import { keepPosedAnimation } from './keep-posed-animation.ts';

/** Image side per quality (square images): low 256, medium 512, high 1024 pixels. */
export const IMAGE_SIZE_BY_QUALITY: Record<ExportQuality, number> = { low: 256, medium: 512, high: 1024 };

/** What a drawn format needs beyond the document: the render service, and the background. */
export interface ImageConvertOptions extends ConvertOptions {
  render?: RenderHost;
  /** `transparent` (PNG; a JPEG gets white) or `#rrggbb`. */
  background?: string;
}

/** A converter that draws the document through the render service: listed only where one runs. */
export interface RenderedConverter extends ExportConverter {
  readonly needsRender: true;
  convert(document: Document, options?: ImageConvertOptions): Promise<Uint8Array>;
}

export const needsRender = (converter: ExportConverter): converter is RenderedConverter =>
  (converter as Partial<RenderedConverter>).needsRender === true;

/** Render failures that another attempt may not hit (busy, restarting); the rest are the model's. */
const TRANSIENT = new Set([
  'QUEUE_FULL',
  'TIMEOUT',
  'CRASHED',
  'BLANK_IMAGE',
  'UNAVAILABLE',
  'CLOSED',
  'CONTEXT_LOST',
]);

function imageConverter(format: 'png' | 'jpg'): RenderedConverter {
  return Object.freeze({
    extension: format,
    contentType: format === 'png' ? 'image/png' : 'image/jpeg',
    needsRender: true as const,
    async convert(document: Document, options: ImageConvertOptions = {}): Promise<Uint8Array> {
      const { render, signal } = options;
      if (!render) throw new ExportFailure('INTERNAL', false, { cause: new Error('no render service here') });
      const size = IMAGE_SIZE_BY_QUALITY[options.quality ?? 'medium'];
      keepPosedAnimation(document, options.pose);
      const glb = await toGlb(document);
      throwIfAborted(signal);
      try {
        const image = await render.renderBytes(glb, {
          width: size,
          height: size,
          format,
          quality: 90,
          background: options.background ?? 'transparent',
          camera: options.camera ?? { preset: 'three-quarter' },
          ...(options.pose ? { animation: { time: 0, ...options.pose } } : {}),
        });
        return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
      } catch (error) {
        if (!isRenderError(error)) throw error;
        if (TRANSIENT.has(error.code)) throw new ExportFailure('INTERNAL', true, { cause: error });
        throw new ExportFailure('COMPOSE_FAILED', false, { cause: error });
      }
    },
  });
}

/** PNG (transparent background) and JPG (white), drawn by the render service from the composed avatar. */
export const pngConverter = imageConverter('png');
export const jpgConverter = imageConverter('jpg');
