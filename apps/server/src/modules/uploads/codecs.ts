/// <reference path="./draco3dgltf.d.ts" />
/**
 * The WASM codecs the server hands to asset-core (which imports none itself), loaded once on first use:
 * meshoptimizer's decoder, encoder and simplifier, the Draco decoder, and sharp for textures.
 */
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
      sharp: sharp.default ?? sharp,
      dependencies,
    };
  })();
  encoders.catch(() => {
    encoders = undefined;
  });
  return encoders;
}
