import type { RenderPageErrorCode, RenderPageRequest, RenderPageResult } from '@avatar/contracts';
import type { AvatarSpec } from '../engine/avatar-model.ts';
import { PoseError } from '../engine/avatar-model.ts';
import { captureImage } from '../engine/capture-image.ts';
import { ModelLoadError } from '../engine/gltf-loader.ts';
import { SceneBuilder } from '../engine/scene-builder.ts';

/**
 * The page the server's render pool keeps open in headless Chromium. It builds the editor's scene once
 * and renders one request at a time through `window.__render`, which never rejects: every failure comes
 * back as `{ ok: false, code, message }`.
 */
declare global {
  interface Window {
    __render?: (request: RenderPageRequest) => Promise<RenderPageResult>;
    /** Set once `__render` can be called. */
    __renderReady?: boolean;
  }
}

/** Textures above this size are scaled down on upload: no visible change at these image sizes. */
const textureCap = (width: number, height: number) => (Math.max(width, height) <= 512 ? 512 : 1024);

const canvas = document.getElementById('render-canvas') as HTMLCanvasElement;
const builder = new SceneBuilder(canvas, { adaptToDeviceRatio: false, doNotHandleContextLost: true });
let contextLost = false;
canvas.addEventListener('webglcontextlost', () => {
  contextLost = true;
});
let busy = false;

const fail = (code: RenderPageErrorCode, message: string): RenderPageResult => ({ ok: false, code, message });

function avatarOf(request: RenderPageRequest): AvatarSpec {
  const { scene } = request;
  return {
    base: scene.base ? { url: scene.base.url } : null,
    parts: scene.parts.map((part) => ({ url: part.url, ...(part.socket ? { socket: part.socket } : {}) })),
    colors: scene.colors,
    // The request's expression goes over the avatar's own morph settings.
    morphs: { ...scene.morphs, ...request.morphs },
  };
}

async function render(request: RenderPageRequest): Promise<RenderPageResult> {
  if (contextLost)
    return fail('CONTEXT_LOST', 'The WebGL context was lost: this page cannot render any more');
  if (busy) return fail('BAD_REQUEST', 'The page is already rendering: send one request at a time');
  busy = true;
  const started = performance.now();
  try {
    builder.engine.setSize(request.width, request.height);
    builder.setMaxTextureSize(textureCap(request.width, request.height));
    const model = await builder.showAvatar(avatarOf(request));
    if (!model) return fail('RENDER_FAILED', 'The model was replaced while loading');
    const { animation } = request;
    model.pose(
      animation ? { time: animation.time, ...(animation.name ? { animation: animation.name } : {}) } : null,
    );
    builder.setBackground(request.background === 'transparent' ? null : request.background);
    if (!builder.frame(request.camera)) return fail('EMPTY_MODEL', 'The model has no visible mesh to draw');
    await builder.scene.whenReadyAsync();
    const loaded = performance.now();
    const image = await captureImage(builder, { format: request.format, quality: request.quality });
    if (contextLost) return fail('CONTEXT_LOST', 'The WebGL context was lost while rendering');
    const { renderMs, encodeMs, ...rest } = image;
    return { ok: true, ...rest, timings: { loadMs: loaded - started, renderMs, encodeMs } };
  } catch (error) {
    // No URL in the message: it may be signed, and messages can reach clients. The caller knows it.
    if (error instanceof ModelLoadError) return fail(error.code, error.message);
    if (error instanceof PoseError) return fail('ANIMATION_NOT_FOUND', error.message);
    return fail('RENDER_FAILED', error instanceof Error ? error.message : String(error));
  } finally {
    builder.clear();
    // End a frame with the model gone: disposed shaders and buffers are only released at a frame's end.
    builder.renderFrame();
    busy = false;
  }
}

window.__render = render;
window.__renderReady = true;
