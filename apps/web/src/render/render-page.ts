import type { RenderPageErrorCode, RenderPageRequest, RenderPageResult } from '@avatar/contracts';
import type { Scene } from '@babylonjs/core/scene';
import type { AvatarSpec } from '../engine/avatar-model.ts';
import { PoseError } from '../engine/avatar-model.ts';
import { captureImage } from '../engine/capture-image.ts';
import { ModelLoadError } from '../engine/gltf-loader.ts';
import { SceneBuilder } from '../engine/scene-builder.ts';
import { warmUpModel } from './warm-up-model.ts';

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
/** The previous job's model being disposed, after its result went back: the next job waits for it. */
let cleanup: Promise<void> = Promise.resolve();

/** How often readiness is checked again; Babylon's `whenReadyAsync` waits 100 ms between checks. */
const READY_POLL_MS = 4;

/**
 * Resolves once every mesh can be drawn (shaders compiled, textures uploaded). The fixtures are ready
 * at the first check (the loader waits for its textures, shaders compile at once here); a model that is
 * not would wait a whole 100 ms step of `whenReadyAsync` for nothing.
 */
async function whenReady(scene: Scene): Promise<void> {
  for (;;) {
    // Readiness is cached per render id: a new one makes materials check their effects again.
    scene.incrementRenderId();
    if (scene.isReady()) return;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

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
  if (busy) return fail('BAD_REQUEST', 'The page is already rendering: send one request at a time');
  busy = true;
  await cleanup;
  if (contextLost) {
    busy = false;
    return fail('CONTEXT_LOST', 'The WebGL context was lost: this page cannot render any more');
  }
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
    await whenReady(builder.scene);
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
    busy = false;
    // After the result has gone back: the caller has its image while the page tidies up.
    cleanup = new Promise((resolve) =>
      setTimeout(() => {
        try {
          builder.clear();
          // End a frame with the model gone: disposed shaders and buffers are only released at a frame's end.
          builder.renderFrame();
        } finally {
          resolve();
        }
      }, 0),
    );
  }
}

/**
 * Draws a built-in model once, after the page has said it is ready, so that the loader's code is loaded
 * and the common shaders compiled before the first job; a job that comes sooner waits for it.
 */
async function warmUp(): Promise<void> {
  const url = URL.createObjectURL(
    new Blob([warmUpModel() as Uint8Array<ArrayBuffer>], { type: 'model/gltf-binary' }),
  );
  try {
    await render({
      width: 256,
      height: 256,
      format: 'png',
      quality: 90,
      background: 'transparent',
      camera: { preset: 'front' },
      scene: { base: { url }, parts: [], colors: {}, morphs: {} },
    });
  } finally {
    URL.revokeObjectURL(url);
  }
}

const warmedUp = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(warmUp);
window.__render = async (request) => {
  await warmedUp;
  return render(request);
};
window.__renderReady = true;
