/// <reference path="./draco3dgltf.d.ts" />
/**
 * The WASM codecs the server hands to asset-core (which imports none itself), loaded once on first use:
 * meshoptimizer's decoder, encoder and simplifier, the Draco decoder, and sharp for textures.
 */

/**
 * The most pixels sharp may decode from one image anywhere on this server (8192 x 8192). Uploads are
 * refused from their image headers well below this (`UPLOAD_MAX_IMAGE_PIXELS`, at most this much), so it
 * is a second line: an image that got past the first is refused by sharp before it allocates the pixels.
 */
export const DECODE_MAX_PIXELS = 8192 * 8192;

// biome-ignore lint/suspicious/noExplicitAny: any sharp-shaped function (input, options) => instance
type SharpLike = (...args: any[]) => unknown;

/**
 * `sharp` with `limitInputPixels` held to `maxPixels` whatever the caller asks (glTF-Transform passes
 * `true`, which is sharp's own default of 268 million pixels, and `false` would lift it).
 */
export function withPixelLimit<T extends SharpLike>(sharp: T, maxPixels = DECODE_MAX_PIXELS): T {
  const limited = (input?: unknown, options?: Record<string, unknown>, ...rest: unknown[]) => {
    const asked = options?.limitInputPixels;
    const limit = typeof asked === 'number' && asked > 0 ? Math.min(asked, maxPixels) : maxPixels;
    return sharp(input, { ...options, limitInputPixels: limit }, ...rest);
  };
  return Object.assign(limited, sharp) as unknown as T;
}
interface Ready {
  ready: Promise<void>;
}

export interface Decoders {
  /** For glTF-Transform's `registerDependencies`: reads meshopt- and Draco-compressed files. */
  dependencies: Record<string, unknown>;
}

export interface Encoders extends Decoders {
  meshoptEncoder: Ready;
  simplifier: Ready;
  sharp: unknown;
}

let decoders: Promise<Decoders> | undefined;
let encoders: Promise<Encoders> | undefined;

export function loadDecoders(): Promise<Decoders> {
  decoders ??= (async () => {
    const [{ MeshoptDecoder }, draco] = await Promise.all([import('meshoptimizer'), import('draco3dgltf')]);
    const [dracoDecoder] = await Promise.all([
      (draco.default ?? draco).createDecoderModule() as Promise<unknown>,
      MeshoptDecoder.ready,
    ]);
    return { dependencies: { 'meshopt.decoder': MeshoptDecoder, 'draco3d.decoder': dracoDecoder } };
  })();
  decoders.catch(() => {
    decoders = undefined; // let the next call try again
  });
  return decoders;
}

export function loadEncoders(): Promise<Encoders> {
  encoders ??= (async () => {
    const [{ MeshoptEncoder, MeshoptSimplifier }, sharp, { dependencies }] = await Promise.all([
      import('meshoptimizer'),
      import('sharp'),
      loadDecoders(),
    ]);
    await Promise.all([MeshoptEncoder.ready, MeshoptSimplifier.ready]);
    return {
      meshoptEncoder: MeshoptEncoder,
      simplifier: MeshoptSimplifier,
      sharp: withPixelLimit(sharp.default ?? sharp),
      dependencies,
    };
  })();
  encoders.catch(() => {
    encoders = undefined;
  });
  return encoders;
}
