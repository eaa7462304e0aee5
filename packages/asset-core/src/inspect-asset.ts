import {
  type Document,
  GLB_BUFFER,
  type GLTF,
  getBounds,
  Logger,
  type PlatformIO,
  type Root,
  WebIO,
} from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import type { AnimationSummary, AssetMetadata, Bounds, MorphTargetSummary, Vec3 } from './asset-metadata.ts';
import { countGeometry } from './count-geometry.ts';
import { describeGlb } from './describe-glb.ts';
import { AssetCoreError } from './errors.ts';
import { findSockets } from './find-sockets.ts';
import { findExternalResources, type GlbContainer, isRecord, readGlbContainer } from './glb-container.ts';
import { defaultsFor } from './with-defaults.ts';

export interface InspectAssetOptions {
  /** An I/O of your own (extensions, dependencies, logger registered). Replaces the default WebIO. */
  io?: PlatformIO;
  /**
   * Decoders for compressed geometry, registered on the default WebIO: `draco3d.decoder` (a draco3d
   * decoder module) and `meshopt.decoder` (meshoptimizer's MeshoptDecoder). Passed in so that
   * asset-core itself loads no WASM.
   */
  dependencies?: Record<string, unknown>;
  /** Cap on every list in the report (node names, joint names, sockets, materials...). */
  maxListLength: number;
}

export const INSPECT_ASSET_DEFAULTS: Readonly<InspectAssetOptions> = Object.freeze({ maxListLength: 256 });
const inspectOptions = defaultsFor(INSPECT_ASSET_DEFAULTS);

/**
 * Describes a GLB. Files without compressed geometry are described straight from their JSON and the few
 * accessors that matter (`describeGlb`, several times cheaper); the rest, and any call with an `io` of its
 * own, are read with glTF-Transform. The reader was not written for hostile input (it throws plain
 * TypeErrors on some invalid files), so run `validateGlb` first; whatever still goes wrong here comes out
 * as an `AssetCoreError`, never as the reader's own exception. `container` is these bytes already read
 * (`sniffAsset` answers it), so that the JSON is not parsed again; it is only read, never changed.
 */
export async function inspectAsset(
  bytes: Uint8Array,
  options: Partial<InspectAssetOptions> = {},
  container?: GlbContainer,
): Promise<AssetMetadata> {
  const opts = inspectOptions(options);
  const glb = container ?? readContainer(bytes);
  const { json, bin } = glb;
  const external = findExternalResources(json);
  if (external.length > 0) {
    throw new AssetCoreError(
      'GLB_EXTERNAL_RESOURCE',
      `The asset refers to a file outside the GLB (${external[0]}); embed every buffer and image in it.`,
    );
  }
  // Taken from the raw JSON before reading: the reader drops extensions it does not know and stamps
  // its own name over the generator.
  const raw = {
    byteLength: bytes.byteLength,
    generator: isRecord(json.asset) && typeof json.asset.generator === 'string' ? json.asset.generator : null,
    extensionsUsed: strings(json.extensionsUsed),
    extensionsRequired: strings(json.extensionsRequired),
  };
  if (!opts.io) {
    const described = describeGlb(glb, raw, opts.maxListLength);
    if (described) return described;
  }
  const dependencies = opts.dependencies ?? {};
  if (!opts.io) assertDecoders(raw, dependencies);

  const io = opts.io ?? defaultIO(dependencies);
  let document: Document;
  try {
    // readJSON rather than readBinary: the container is already parsed, and readBinary's own header
    // parse throws a RangeError on input whose byteOffset is not a multiple of 4.
    // The casts: the JSON is only as typed as the reader is defensive, and a shared-memory view is
    // read just like an ArrayBuffer one (the reader copies accessors out with slice()).
    const resources: Record<string, Uint8Array<ArrayBuffer>> = {};
    if (bin) resources[GLB_BUFFER] = bin as Uint8Array<ArrayBuffer>;
    document = await io.readJSON({ json: json as unknown as GLTF.IGLTF, resources });
  } catch (error) {
    throw readError(error);
  }
  try {
    return describe(document.getRoot(), raw, opts);
  } catch (error) {
    throw new AssetCoreError('GLB_UNREADABLE', 'The asset was read but could not be described.', {
      cause: error,
    });
  }
}

function readContainer(bytes: Uint8Array): GlbContainer {
  const read = readGlbContainer(bytes);
  if (!read.ok) throw new AssetCoreError('GLB_INVALID', read.issue.message);
  return read.container;
}

function describe(
  root: Root,
  raw: Pick<AssetMetadata, 'byteLength' | 'generator' | 'extensionsUsed' | 'extensionsRequired'>,
  { maxListLength: max }: InspectAssetOptions,
): AssetMetadata {
  const meshes = root.listMeshes();
  const morphTargets = meshes.map(describeMorphTargets).filter((m): m is MorphTargetSummary => m !== null);
  return {
    ...raw,
    counts: {
      scenes: root.listScenes().length,
      nodes: root.listNodes().length,
      meshes: meshes.length,
      primitives: meshes.reduce((sum, mesh) => sum + mesh.listPrimitives().length, 0),
      materials: root.listMaterials().length,
      textures: root.listTextures().length,
      skins: root.listSkins().length,
      animations: root.listAnimations().length,
      morphedMeshes: morphTargets.length,
    },
    geometry: countGeometry(meshes),
    bounds: describeBounds(root),
    materials: root
      .listMaterials()
      .slice(0, max)
      .map((material) => ({
        name: material.getName(),
        alphaMode: material.getAlphaMode(),
        doubleSided: material.getDoubleSided(),
      })),
    textures: root
      .listTextures()
      .slice(0, max)
      .map((texture) => {
        const size = readSize(() => texture.getSize());
        return {
          name: texture.getName(),
          mimeType: texture.getMimeType(),
          width: size?.[0] ?? null,
          height: size?.[1] ?? null,
          byteLength: texture.getImage()?.byteLength ?? 0,
        };
      }),
    skins: root
      .listSkins()
      .slice(0, max)
      .map((skin) => ({
        name: skin.getName(),
        jointCount: skin.listJoints().length,
        // Unnamed joints stay in as '' so that list positions match joint indices.
        jointNames: skin
          .listJoints()
          .slice(0, max)
          .map((joint) => joint.getName()),
      })),
    animations: root.listAnimations().slice(0, max).map(describeAnimation),
    morphTargets: morphTargets.slice(0, max),
    nodeNames: root
      .listNodes()
      .map((node) => node.getName())
      .filter((name) => name !== '')
      .slice(0, max),
    sockets: findSockets(root, max),
  };
}

function describeBounds(root: Root): Bounds | null {
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  if (!scene) return null;
  const { min, max } = getBounds(scene);
  // getBounds leaves ±Infinity when nothing in the scene has a position.
  if (![...min, ...max].every(Number.isFinite)) return null;
  const per = (f: (i: 0 | 1 | 2) => number): Vec3 => [f(0), f(1), f(2)];
  return {
    min: per((i) => min[i]),
    max: per((i) => max[i]),
    size: per((i) => max[i] - min[i]),
    center: per((i) => (min[i] + max[i]) / 2),
  };
}

function describeAnimation(animation: ReturnType<Root['listAnimations']>[number]): AnimationSummary {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const sampler of animation.listSamplers()) {
    const input = sampler.getInput();
    if (!input || input.getCount() === 0) continue;
    start = Math.min(start, input.getMin([])[0] ?? start);
    end = Math.max(end, input.getMax([])[0] ?? end);
  }
  if (!(end >= start)) start = end = 0; // no keyframes at all
  return {
    name: animation.getName(),
    channelCount: animation.listChannels().length,
    start,
    end,
    duration: end - start,
  };
}

function describeMorphTargets(mesh: ReturnType<Root['listMeshes']>[number]): MorphTargetSummary | null {
  const count = Math.max(0, ...mesh.listPrimitives().map((primitive) => primitive.listTargets().length));
  if (count === 0) return null;
  return { mesh: mesh.getName(), count, names: strings(mesh.getExtras().targetNames) };
}

/**
 * glTF-Transform 4.5.1 hands every registered extension its decoder even when there is none, and its
 * Draco extension then fails with a bare TypeError; so the missing decoder is caught here, by name.
 * Meshopt only needs its decoder when required: otherwise the file carries uncompressed fallbacks.
 */
function assertDecoders(
  raw: Pick<AssetMetadata, 'extensionsUsed' | 'extensionsRequired'>,
  dependencies: Record<string, unknown>,
): void {
  const needed = [
    raw.extensionsUsed.includes('KHR_draco_mesh_compression') && 'draco3d.decoder',
    raw.extensionsRequired.includes('EXT_meshopt_compression') && 'meshopt.decoder',
  ];
  const missing = needed.find((name): name is string => typeof name === 'string' && !dependencies[name]);
  if (missing) throw decoderMissing(missing);
}

function decoderMissing(dependency: string, cause?: unknown): AssetCoreError {
  return new AssetCoreError(
    'GLB_DECODER_MISSING',
    `The asset's geometry is compressed and no "${dependency}" decoder was provided to read it.`,
    { cause },
  );
}

function defaultIO(dependencies: Record<string, unknown>): PlatformIO {
  // Silent: on a server the reader's warnings would only be console noise; validation reports them.
  return new WebIO()
    .setLogger(new Logger(Logger.Verbosity.SILENT))
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies(dependencies);
}

/**
 * glTF-Transform signals these two cases only through its message text (pinned at 4.5.1; the tests
 * cover both). The decoder case is left for a caller's own `io`, which `assertDecoders` cannot see into.
 */
function readError(error: unknown): AssetCoreError {
  const text = error instanceof Error ? error.message : String(error);
  const extension = /Missing required extension, "([^"]+)"/.exec(text)?.[1];
  if (extension) {
    return new AssetCoreError(
      'GLB_UNSUPPORTED_EXTENSION',
      `The asset requires the glTF extension ${extension}, which is not supported.`,
      { cause: error },
    );
  }
  const dependency = /Please install extension dependency, "([^"]+)"/.exec(text)?.[1];
  if (dependency) return decoderMissing(dependency, error);
  return new AssetCoreError('GLB_UNREADABLE', 'The asset could not be read; validate it to see why.', {
    cause: error,
  });
}

function readSize(read: () => [number, number] | null): [number, number] | null {
  try {
    return read();
  } catch {
    return null; // a damaged image header leaves the size unknown, not the whole report
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
