import { Document, type Primitive } from '@gltf-transform/core';
import { compactPrimitive, convertPrimitiveToTriangles, weldPrimitive } from '@gltf-transform/functions';
import { PrimitiveMode } from './primitive-mode.ts';

/** The slice of meshoptimizer's `MeshoptSimplifier` this uses; the caller passes the real one in. */
interface Simplifier {
  ready: Promise<void>;
  simplify(
    indices: Uint32Array,
    positions: Float32Array,
    stride: number,
    targetIndexCount: number,
    targetError: number,
    flags?: string[],
  ): [Uint32Array, number];
  simplifySloppy(
    indices: Uint32Array,
    positions: Float32Array,
    stride: number,
    lock: Uint8Array | null,
    targetIndexCount: number,
    targetError: number,
  ): [Uint32Array, number];
}

/**
 * How hard to push. `topology` keeps UV seams and hard edges (meshoptimizer's default); `permissive` may
 * collapse across them (flat-shaded and voxel models have little else); `sloppy` clusters vertices and
 * ignores topology altogether, the last resort that always reaches its target.
 */
export type SimplifyMode = 'topology' | 'permissive' | 'sloppy';

/**
 * Simplifies every triangle primitive of a document to about `ratio` of its triangles, within `error`
 * (a fraction of the mesh's radius). Unlike glTF-Transform's `simplify`, the mode is a choice, so a
 * budget can be met on models whose every face is its own island.
 */
export async function simplifyToRatio(
  document: Document,
  simplifier: unknown,
  ratio: number,
  error: number,
  mode: SimplifyMode,
): Promise<void> {
  const meshopt = simplifier as Simplifier;
  await meshopt.ready;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const type = primitive.getMode();
      if (
        type !== PrimitiveMode.TRIANGLES &&
        type !== PrimitiveMode.TRIANGLE_STRIP &&
        type !== PrimitiveMode.TRIANGLE_FAN
      ) {
        continue; // points and lines are not part of the budget
      }
      simplifyPrimitive(primitive, meshopt, ratio, error, mode);
      if ((primitive.getIndices()?.getCount() ?? 0) === 0) primitive.dispose();
    }
    if (mesh.listPrimitives().length === 0) mesh.dispose();
  }
}

function simplifyPrimitive(
  primitive: Primitive,
  meshopt: Simplifier,
  ratio: number,
  error: number,
  mode: SimplifyMode,
): void {
  const document = Document.fromGraph(primitive.getGraph())!;
  if (primitive.getMode() !== PrimitiveMode.TRIANGLES) convertPrimitiveToTriangles(primitive);
  // Identical vertices merged first: otherwise every face is an island the simplifier cannot touch.
  weldPrimitive(primitive, { overwrite: true });
  const position = primitive.getAttribute('POSITION');
  const indices = primitive.getIndices();
  if (!position || !indices) return;

  const count = indices.getCount();
  const target = Math.floor((ratio * count) / 3) * 3;
  if (target >= count) return;
  const source = new Uint32Array(indices.getArray()!);
  const positions = floatPositions(position.getArray()!, position.getCount());
  const [kept] =
    mode === 'sloppy'
      ? meshopt.simplifySloppy(source, positions, 3, null, target, error)
      : meshopt.simplify(source, positions, 3, target, error, mode === 'permissive' ? ['Permissive'] : []);

  const previous = indices;
  primitive.setIndices(
    document
      .createAccessor(previous.getName())
      .setType('SCALAR')
      .setArray(new Uint32Array(kept))
      .setBuffer(previous.getBuffer()),
  );
  if (previous.listParents().length === 1) previous.dispose(); // only the root still holds it
  compactPrimitive(primitive);
  const compacted = primitive.getIndices()!;
  if ((primitive.getAttribute('POSITION')?.getCount() ?? 0) <= 65_535) {
    compacted.setArray(new Uint16Array(compacted.getArray()!));
  }
}

/** Positions as float32, as the simplifier wants them; quantized ones (KHR_mesh_quantization) decoded. */
function floatPositions(array: ArrayLike<number>, count: number): Float32Array {
  if (array instanceof Float32Array) return array;
  const out = new Float32Array(count * 3);
  for (let i = 0; i < count * 3; i++) out[i] = array[i]!;
  return out;
}
