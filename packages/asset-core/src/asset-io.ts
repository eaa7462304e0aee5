import { type Document, Logger, type PlatformIO, WebIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { dequantize } from '@gltf-transform/functions';
import { AssetCoreError } from './errors.ts';

/** A silent WebIO with every extension glTF-Transform knows and the given encoders and decoders. */
export function assetIO(dependencies: Record<string, unknown>): PlatformIO {
  return new WebIO()
    .setLogger(new Logger(Logger.Verbosity.SILENT))
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies(dependencies);
}

/**
 * Reads a GLB that already passed validation into a document with plain (float, uncompressed) geometry,
 * ready for transforms that rewrite it: decompressed on read, dequantized, and rid of the compression
 * extensions so that writing does not try to re-encode with them.
 */
export async function readForRewrite(io: PlatformIO, bytes: Uint8Array): Promise<Document> {
  let document: Document;
  try {
    // A fresh copy: the reader needs its own, 4-byte aligned ArrayBuffer.
    document = await io.readBinary(new Uint8Array(bytes));
  } catch (error) {
    throw new AssetCoreError('GLB_UNREADABLE', 'The asset could not be read; validate it to see why.', {
      cause: error,
    });
  }
  for (const extension of document.getRoot().listExtensionsUsed()) {
    const name = extension.extensionName;
    if (name === 'KHR_draco_mesh_compression' || name === 'EXT_meshopt_compression') extension.dispose();
  }
  if (
    document
      .getRoot()
      .listExtensionsUsed()
      .some((e) => e.extensionName === 'KHR_mesh_quantization')
  ) {
    await document.transform(dequantize());
    document
      .getRoot()
      .listExtensionsUsed()
      .find((e) => e.extensionName === 'KHR_mesh_quantization')
      ?.dispose();
  }
  return document;
}
