import type { AssetContainer } from '@babylonjs/core/assetContainer';
import dracoDecoderUrl from '@babylonjs/core/assets/Draco/draco_decoder_gltf.js?url';
import dracoWasmUrl from '@babylonjs/core/assets/Draco/draco_decoder_gltf.wasm?url';
import dracoWrapperUrl from '@babylonjs/core/assets/Draco/draco_wasm_wrapper_gltf.js?url';
import meshoptDecoderUrl from '@babylonjs/core/assets/meshopt/meshopt_decoder.js?url';
import { LoadAssetContainerAsync, RegisterSceneLoaderPlugin } from '@babylonjs/core/Loading/sceneLoader';
import { SceneLoaderFlags } from '@babylonjs/core/Loading/sceneLoaderFlags';
import { DracoDecoder } from '@babylonjs/core/Meshes/Compression/dracoDecoder';
import { MeshoptCompression } from '@babylonjs/core/Meshes/Compression/meshoptCompression';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import type { Observer } from '@babylonjs/core/Misc/observable';
import type { Scene } from '@babylonjs/core/scene';
import { registerBuiltInGLTFExtensions } from '@babylonjs/loaders/glTF/2.0/Extensions/dynamic';
import { unregisterGLTFExtension } from '@babylonjs/loaders/glTF/2.0/glTFLoaderExtensionRegistry';
import { GLTFFileLoaderMetadata } from '@babylonjs/loaders/glTF/glTFFileLoader.metadata';
import { loadGltfModules } from './gltf-modules.ts';
import { snapUniformScale } from './snap-uniform-scale.ts';

export type ModelLoadErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_FETCH_FAILED' | 'MODEL_INVALID';

/** A model that could not be drawn, with a code a caller can branch on and the URL that failed. */
export class ModelLoadError extends Error {
  constructor(
    readonly code: ModelLoadErrorCode,
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

let registered = false;

const absolute = (url: string) => new URL(url, globalThis.location?.href).href;

/**
 * Registers the glTF loader (fetched on first use) and points every decoder Babylon would take from its
 * CDN at the copies bundled with the app: no model load ever leaves the app's origin.
 */
export function registerGltfLoader(): void {
  if (registered) return;
  registered = true;
  // The default loading screen fetches its logo from the CDN and covers the canvas.
  SceneLoaderFlags.ShowLoadingScreen = false;
  // Absolute: the Draco decoder runs in workers created from blob URLs, where a path means nothing.
  DracoDecoder.DefaultConfiguration = {
    wasmUrl: absolute(dracoWrapperUrl),
    wasmBinaryUrl: absolute(dracoWasmUrl),
    fallbackUrl: absolute(dracoDecoderUrl),
  };
  MeshoptCompression.Configuration = { decoder: { url: absolute(meshoptDecoderUrl) } };
  loadGltfModules().catch(() => {});
  startMeshoptDecoder();
  RegisterSceneLoaderPlugin({
    ...GLTFFileLoaderMetadata,
    createPlugin: async (options) => {
      const [{ GLTFFileLoader, RegisterGLTF2Loader }, { RegisterInstancedMesh }] = await loadGltfModules();
      RegisterInstancedMesh();
      RegisterGLTF2Loader();
      return new GLTFFileLoader(options[GLTFFileLoaderMetadata.name]);
    },
  });
  registerBuiltInGLTFExtensions();
  // KTX2 transcoders are not bundled: a file that requires them fails at once with a clear message
  // instead of waiting on the CDN; a file that merely offers KTX2 falls back to its PNG/JPEG images.
  unregisterGLTFExtension('KHR_texture_basisu');
}

/**
 * Starts loading and compiling the meshopt decoder now, beside the first model's bytes: every optimized
 * variant the server makes is meshopt-compressed, and the decoder otherwise starts only once such a
 * model has been parsed. Babylon's shared instance is the one the loader decodes with.
 */
function startMeshoptDecoder(): void {
  const decoder = MeshoptCompression.Default as unknown as { _decoderModulePromise?: Promise<unknown> };
  // Only warmed here: a failure surfaces in the load of a model that needs the decoder.
  decoder._decoderModulePromise?.catch(() => {});
}

/** A loaded GLB, added to its scene, that removes every trace of itself on `dispose()`. */
export interface LoadedModel {
  readonly url: string;
  readonly container: AssetContainer;
  /** The loader's `__root__` node (handedness conversion), parent of the glTF scene's nodes. */
  readonly root: TransformNode | null;
  dispose(): void;
}

export interface LoadModelOptions {
  signal?: AbortSignal;
}

/**
 * Where model bytes come from instead of a plain `fetch` (the editor's shared download cache). It may
 * throw an error with an HTTP `status` (404 and 410 mean the model is gone).
 */
export type ModelBytesSource = (url: string, options: { signal?: AbortSignal }) => Promise<Uint8Array>;

let bytesSource: ModelBytesSource | null = null;

/** Routes every model download through `source` (null: plain `fetch` again). */
export function setModelBytesSource(source: ModelBytesSource | null): void {
  bytesSource = source;
}

async function fetchBytes(url: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (bytesSource) {
    try {
      // A copy: the source may keep these bytes for the next load, and decoders (Draco) transfer the
      // buffer they are given to a worker, which would empty the cached one.
      return (await bytesSource(url, signal ? { signal } : {})).slice();
    } catch (error) {
      if (signal?.aborted) throw error;
      const status = (error as { status?: unknown }).status;
      const code = status === 404 || status === 410 ? 'MODEL_NOT_FOUND' : 'MODEL_FETCH_FAILED';
      throw new ModelLoadError(code, url, messageOf(error));
    }
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ?? null, credentials: 'same-origin' });
  } catch (error) {
    throw new ModelLoadError('MODEL_FETCH_FAILED', url, `Could not fetch the model: ${messageOf(error)}`);
  }
  if (!response.ok) {
    const code =
      response.status === 404 || response.status === 410 ? 'MODEL_NOT_FOUND' : 'MODEL_FETCH_FAILED';
    throw new ModelLoadError(code, url, `Could not fetch the model: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetches and parses one GLB into an asset container (not yet added to the scene). */
export async function loadModel(
  scene: Scene,
  url: string,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  registerGltfLoader();
  const bytes = await fetchBytes(url, options.signal);

  // Each container registers a scene-dispose callback it never removes; remember it to remove it later.
  const before = new Set<Observer<Scene>>(scene.onDisposeObservable.observers);
  let container: AssetContainer;
  try {
    container = await LoadAssetContainerAsync(bytes, scene, {
      pluginExtension: '.glb',
      name: url,
      // 0 = GLTFLoaderAnimationStartMode.NONE: a pose is set on purpose, never by the loader.
      pluginOptions: { gltf: { animationStartMode: 0 } },
    });
  } catch (error) {
    throw new ModelLoadError('MODEL_INVALID', url, `Could not read the model: ${messageOf(error)}`);
  }
  const leftovers = scene.onDisposeObservable.observers.filter((observer) => !before.has(observer));
  snapUniformScale(container);
  const root = (container.rootNodes[0] as TransformNode | undefined) ?? null;
  let disposed = false;
  return {
    url,
    container,
    root,
    dispose() {
      if (disposed) return;
      disposed = true;
      container.dispose();
      for (const observer of leftovers) scene.onDisposeObservable.remove(observer);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
