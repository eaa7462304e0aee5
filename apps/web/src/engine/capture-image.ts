import type { SceneBuilder } from './scene-builder.ts';

export type ImageFormat = 'png' | 'jpg';

export interface CapturedImage {
  /** The encoded image, base64 without a `data:` prefix. */
  base64: string;
  mimeType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  /** Every pixel is the background: nothing was drawn. */
  blank: boolean;
  /** Time to finish drawing and read the pixels back (the GPU works until the read). */
  renderMs: number;
  encodeMs: number;
}

export interface CaptureOptions {
  format: ImageFormat;
  /** JPEG quality, 1..100. */
  quality?: number;
}

/**
 * Draws one frame and encodes the canvas as PNG or JPEG. The canvas must keep its drawing buffer
 * (`preserveDrawingBuffer`). The pixels are read back first to tell a blank image (all background,
 * what a crashed GPU process leaves) from a real one: such a failure raises no error of its own.
 */
export async function captureImage(builder: SceneBuilder, options: CaptureOptions): Promise<CapturedImage> {
  const { engine, scene } = builder;
  const started = performance.now();
  builder.renderFrame();
  const width = engine.getRenderWidth();
  const height = engine.getRenderHeight();
  const view = await engine.readPixels(0, 0, width, height, true, false);
  const pixels = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const clear = scene.clearColor;
  const blank = isUniform(pixels, [clear.r * 255, clear.g * 255, clear.b * 255, clear.a * 255]);
  const readAt = performance.now();
  const canvas = engine.getRenderingCanvas();
  if (!canvas) throw new Error('The engine has no canvas');
  const mimeType = options.format === 'jpg' ? 'image/jpeg' : 'image/png';
  const dataUrl = canvas.toDataURL(
    mimeType,
    options.format === 'jpg' ? (options.quality ?? 90) / 100 : undefined,
  );
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  return {
    base64,
    mimeType,
    width,
    height,
    blank,
    renderMs: readAt - started,
    encodeMs: performance.now() - readAt,
  };
}

/** True when every pixel is within 2 levels of `background` (only alpha counts for a transparent one). */
function isUniform(pixels: Uint8Array, background: readonly number[]): boolean {
  const [r, g, b, a] = background as [number, number, number, number];
  const transparent = a < 1;
  for (let i = 0; i < pixels.length; i += 4) {
    if (transparent) {
      if (pixels[i + 3]! > 2) return false;
    } else if (
      Math.abs(pixels[i]! - r) > 2 ||
      Math.abs(pixels[i + 1]! - g) > 2 ||
      Math.abs(pixels[i + 2]! - b) > 2
    ) {
      return false;
    }
  }
  return true;
}
