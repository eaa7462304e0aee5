/**
 * meshoptimizer and sharp for the optimization tests. asset-core imports no encoder (callers pass them
 * in) and depends on neither; the tests borrow the copies the server installed, as bench/ does.
 */
const SERVER_MODULES = new URL('../../../apps/server/node_modules/', import.meta.url);

interface Ready {
  ready: Promise<void>;
}

export interface NodeEncoders {
  encoder: Ready;
  decoder: Ready;
  simplifier: Ready;
  sharp: unknown;
  /** For reading meshopt-compressed output: `{ 'meshopt.decoder': decoder }`. */
  dependencies: Record<string, unknown>;
}

let loaded: Promise<NodeEncoders> | undefined;

export function loadNodeEncoders(): Promise<NodeEncoders> {
  loaded ??= (async () => {
    const meshopt = (await import(new URL('meshoptimizer/index.js', SERVER_MODULES).href)) as {
      MeshoptEncoder: Ready;
      MeshoptDecoder: Ready;
      MeshoptSimplifier: Ready;
    };
    const { createRequire } = await import('node:module');
    const require = createRequire(new URL('package.json', new URL('../', SERVER_MODULES)));
    const sharp = require('sharp') as unknown;
    await Promise.all([
      meshopt.MeshoptEncoder.ready,
      meshopt.MeshoptDecoder.ready,
      meshopt.MeshoptSimplifier.ready,
    ]);
    return {
      encoder: meshopt.MeshoptEncoder,
      decoder: meshopt.MeshoptDecoder,
      simplifier: meshopt.MeshoptSimplifier,
      sharp,
      dependencies: { 'meshopt.decoder': meshopt.MeshoptDecoder },
    };
  })();
  return loaded;
}
