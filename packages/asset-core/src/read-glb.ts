import { type Document, GLB_BUFFER, type GLTF, Logger, type PlatformIO, WebIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { AssetCoreError } from './errors.ts';
import { findExternalResources, readGlbContainer } from './glb-container.ts';

export interface ReadGlbOptions {
  /** An I/O of your own; replaces the one built from `dependencies`. */
  io?: PlatformIO;
  /**
   * Decoders for compressed geometry (`meshopt.decoder`, `draco3d.decoder`), passed in so that
   * asset-core loads no WASM of its own.
   */
  dependencies?: Record<string, unknown>;
}

/**
 * A silent WebIO that knows every Khronos and vendor extension glTF-Transform ships. Documents it reads
 * inherit the silent logger, so transforms run on them print nothing.
 */
export function createGltfIO(dependencies: Record<string, unknown> = {}): PlatformIO {
  return new WebIO()
    .setLogger(new Logger(Logger.Verbosity.SILENT))
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies(dependencies);
}

/**
 * Reads a GLB into a glTF-Transform document for editing (composition, conversion). Meant for assets
 * that already passed `validateGlb`; anything the reader still chokes on becomes an `AssetCoreError`.
 */
export async function readGlb(bytes: Uint8Array, options: ReadGlbOptions = {}): Promise<Document> {
  const read = readGlbContainer(bytes);
  if (!read.ok) throw new AssetCoreError('GLB_INVALID', read.issue.message);
  const { json, bin } = read.container;
  const external = findExternalResources(json);
  if (external.length > 0) {
    throw new AssetCoreError(
      'GLB_EXTERNAL_RESOURCE',
      `The asset refers to a file outside the GLB (${external[0]}); embed every buffer and image in it.`,
    );
  }
  const dependencies = options.dependencies ?? {};
  if (!options.io) {
    // glTF-Transform 4.5.1 fails with a bare TypeError when the Draco decoder is missing (see inspectAsset).
    const used = Array.isArray(json.extensionsUsed) ? json.extensionsUsed : [];
    const required = Array.isArray(json.extensionsRequired) ? json.extensionsRequired : [];
    const missing = [
      used.includes('KHR_draco_mesh_compression') && 'draco3d.decoder',
      required.includes('EXT_meshopt_compression') && 'meshopt.decoder',
    ].find((name): name is string => typeof name === 'string' && !dependencies[name]);
    if (missing) {
      throw new AssetCoreError(
        'GLB_DECODER_MISSING',
        `The asset's geometry is compressed and no "${missing}" decoder was provided to read it.`,
      );
    }
  }
  const io = options.io ?? createGltfIO(dependencies);
  try {
    const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
    if (bin) resources[GLB_BUFFER] = bin as Uint8Array<ArrayBuffer>;
    return await io.readJSON({ json: json as unknown as GLTF.IGLTF, resources });
  } catch (error) {
    throw new AssetCoreError('GLB_UNREADABLE', 'The asset could not be read; validate it to see why.', {
      cause: error,
    });
  }
}
