import {
  type Accessor,
  type Document,
  MathUtils,
  type Mesh,
  type mat4,
  Node,
  Primitive,
  type Skin,
  type Transform,
} from '@gltf-transform/core';

/**
 * Rewrites positions that glTF-Transform's `quantize` stored as normalized 16-bit integers into the plain
 * integers they stand for, moving the scale into the node (or the skin's inverse bind matrices).
 *
 * `quantize` keeps 14 bits but spreads them over all 16, copying the top bits into the two it does not
 * use; that noise costs the meshopt codec about 15% on positions. As plain integers (what gltfpack writes,
 * allowed by KHR_mesh_quantization) the same precision compresses without it. The decoded positions are
 * the 14-bit grid values themselves, so nothing moves by more than the quantization already moved it.
 *
 * Run right after `quantize({ quantizePosition: bits })`, which leaves every quantized mesh on a leaf node
 * that no animation moves. A mesh that breaks that rule (instancing, a shared accessor with an unquantized
 * mesh) is left as it is.
 */
export function integerPositions(options: { bits: number }): Transform {
  const magnitudeBits = options.bits - 1; // signed: one bit for the sign
  const shift = 15 - magnitudeBits;
  const scale = 1 / (2 ** magnitudeBits - 1);
  return (document: Document) => {
    const meshes = document.getRoot().listMeshes();
    const eligible = new Set(meshes.filter((mesh) => canConvert(mesh)));
    // An accessor shared with a mesh that stays normalized must stay too, and so must its other meshes.
    for (let changed = true; changed; ) {
      changed = false;
      for (const mesh of eligible) {
        const shared = positionAccessors(mesh).some((accessor) =>
          meshesUsing(accessor).some((other) => !eligible.has(other)),
        );
        if (shared) {
          eligible.delete(mesh);
          changed = true;
        }
      }
    }
    if (eligible.size === 0) return;

    const converted = new Set<Accessor>();
    for (const mesh of eligible) {
      for (const accessor of positionAccessors(mesh)) {
        if (converted.has(accessor)) continue;
        converted.add(accessor);
        const array = accessor.getArray() as Int16Array;
        for (let i = 0; i < array.length; i++) {
          const value = array[i]!;
          array[i] = Math.sign(value) * (Math.abs(value) >> shift);
        }
        accessor.setNormalized(false);
      }
    }

    const matrix = MathUtils.compose([0, 0, 0], [0, 0, 0, 1], [scale, scale, scale], [] as unknown as mat4);
    const skins = new Map<Skin, Skin>();
    for (const mesh of eligible) {
      for (const node of mesh.listParents()) {
        if (!(node instanceof Node)) continue;
        const skin = node.getSkin();
        if (skin) {
          // Skinned vertices ignore the node's transform; the inverse bind matrices carry the scale.
          let scaled = skins.get(skin);
          if (!scaled) {
            scaled = scaleSkin(document, skin, matrix);
            skins.set(skin, scaled);
          }
          node.setSkin(scaled);
        } else {
          node.setMatrix(multiply(node.getMatrix(), matrix));
        }
      }
    }
  };
}

function canConvert(mesh: Mesh): boolean {
  const accessors = positionAccessors(mesh);
  if (accessors.length === 0) return false;
  if (!accessors.every((a) => a.getArray() instanceof Int16Array && a.getNormalized())) return false;
  return mesh.listParents().every((parent) => {
    if (!(parent instanceof Node)) return true;
    if (parent.getExtension('EXT_mesh_gpu_instancing')) return false;
    if (parent.getSkin()) return true;
    // quantize() moves meshes onto their own leaf node when the original one had children or was animated.
    const animated = parent.listParents().some((p) => p.propertyType === 'AnimationChannel');
    return parent.listChildren().length === 0 && !animated;
  });
}

function positionAccessors(mesh: Mesh): Accessor[] {
  const found = new Set<Accessor>();
  for (const primitive of mesh.listPrimitives()) {
    const position = primitive.getAttribute('POSITION');
    if (position) found.add(position);
    for (const target of primitive.listTargets()) {
      const delta = target.getAttribute('POSITION');
      if (delta) found.add(delta);
    }
  }
  return [...found];
}

function meshesUsing(accessor: Accessor): Mesh[] {
  const meshes = new Set<Mesh>();
  for (const parent of accessor.listParents()) {
    if (parent instanceof Primitive) {
      for (const mesh of parent.listParents()) if (mesh.propertyType === 'Mesh') meshes.add(mesh as Mesh);
    } else if (parent.propertyType === 'PrimitiveTarget') {
      for (const primitive of parent.listParents()) {
        for (const mesh of primitive.listParents())
          if (mesh.propertyType === 'Mesh') meshes.add(mesh as Mesh);
      }
    }
  }
  return [...meshes];
}

function scaleSkin(document: Document, skin: Skin, matrix: mat4): Skin {
  const scaled = skin.clone();
  const ibm = skin.getInverseBindMatrices();
  if (!ibm) {
    // No matrices means identity ones; write them out so they can carry the scale.
    const count = skin.listJoints().length;
    const array = new Float32Array(count * 16);
    for (let i = 0; i < count; i++) array.set(matrix, i * 16);
    const buffer = document.getRoot().listBuffers()[0] ?? document.createBuffer();
    return scaled.setInverseBindMatrices(
      document.createAccessor().setType('MAT4').setArray(array).setBuffer(buffer),
    );
  }
  const copy = ibm.clone();
  const element = [] as unknown as mat4;
  for (let i = 0; i < copy.getCount(); i++) {
    copy.getElement(i, element);
    copy.setElement(i, multiply(element, matrix));
  }
  return scaled.setInverseBindMatrices(copy);
}

function multiply(a: mat4, b: mat4): mat4 {
  const out = new Array(16).fill(0) as unknown as mat4;
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[k * 4 + row]! * b[col * 4 + k]!;
      out[col * 4 + row] = sum;
    }
  }
  return out;
}
