import { PropertyType, type WriterContext } from '@gltf-transform/core';
import { EXTMeshoptCompression } from '@gltf-transform/extensions';

/**
 * EXT_meshopt_compression as glTF-Transform writes it, except that vertex streams of the same layout share
 * one buffer view instead of one view per attribute. Fewer views mean a smaller JSON chunk (about 200 bytes
 * each) and longer streams for the codec to work on; the output is the same extension and decodes with any
 * EXT_meshopt_compression decoder. Create it on the document before writing:
 * `document.createExtension(PackedMeshoptCompression)`.
 */
export class PackedMeshoptCompression extends EXTMeshoptCompression {
  override prewrite(context: WriterContext, propertyType: PropertyType): this {
    // glTF-Transform 4.5.1 groups ARRAY_BUFFER accessors by parent, with one group per accessor in practice.
    if (propertyType === PropertyType.ACCESSOR) context.accessorUsageGroupedByParent.delete('ARRAY_BUFFER');
    return super.prewrite(context, propertyType);
  }
}

/** The one method of meshoptimizer's `MeshoptEncoder` this file changes; the rest is passed through. */
interface QuaternionEncoder {
  encodeFilterQuat(source: Float32Array, count: number, stride: number, bits: number): Uint8Array;
}

/**
 * meshoptimizer's encoder with animation rotations filtered at `bits` (glTF-Transform asks for 16). The
 * quaternion filter stores its precision in the data, so every decoder reads the result; 12 bits is what
 * gltfpack uses by default (about 0.03 degrees).
 */
export function withRotationBits<T extends object>(encoder: T, bits: number): T {
  const base = encoder as unknown as QuaternionEncoder;
  const wrapped = Object.create(encoder) as T & QuaternionEncoder;
  wrapped.encodeFilterQuat = (source, count, stride, requested) =>
    base.encodeFilterQuat(source, count, stride, Math.min(requested, bits));
  return wrapped;
}
