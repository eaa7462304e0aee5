import type { Document, Mesh, Node } from '@gltf-transform/core';
import { PropertyType } from '@gltf-transform/core';

export interface FilterMorphTargetsReport {
  kept: string[];
  removed: number;
}

/**
 * Keeps only the morph targets whose names (the mesh's `extras.targetNames`) are in `keep`; `keep` empty
 * removes them all. Mesh and node weights, the names list and the animations that drive weights follow,
 * so what is left animates as before. Modifies the document in place; unused accessors are left for `prune`.
 */
export function filterMorphTargets(document: Document, keep: readonly string[]): FilterMorphTargetsReport {
  const wanted = new Set(keep);
  const kept = new Set<string>();
  let removed = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    const count = Math.max(0, ...mesh.listPrimitives().map((p) => p.listTargets().length));
    if (count === 0) continue;
    const names = mesh.getExtras().targetNames;
    const nameAt = (i: number) => (Array.isArray(names) && typeof names[i] === 'string' ? names[i] : null);
    const indices = Array.from({ length: count }, (_, i) => i).filter((i) => {
      const name = nameAt(i);
      return name !== null && wanted.has(name);
    });
    if (indices.length === count) {
      for (const i of indices) kept.add(nameAt(i)!);
      continue;
    }
    for (const primitive of mesh.listPrimitives()) {
      const targets = primitive.listTargets();
      targets.forEach((target, i) => {
        if (indices.includes(i)) return;
        primitive.removeTarget(target);
        if (target.listParents().every((p) => p.propertyType === PropertyType.ROOT)) target.dispose();
      });
    }
    removed += count - indices.length;
    for (const i of indices) kept.add(nameAt(i)!);
    const pick = (weights: number[]) => indices.map((i) => weights[i] ?? 0);
    mesh.setWeights(pick(mesh.getWeights()));
    const extras = { ...mesh.getExtras() };
    if (indices.length > 0) extras.targetNames = indices.map((i) => nameAt(i));
    else delete extras.targetNames;
    mesh.setExtras(extras);
    for (const node of nodesOf(mesh)) {
      if (node.getWeights().length > 0) node.setWeights(pick(node.getWeights()));
      filterWeightAnimations(document, node, count, indices);
    }
  }
  return { kept: [...kept], removed };
}

function nodesOf(mesh: Mesh): Node[] {
  return mesh.listParents().filter((p): p is Node => p.propertyType === PropertyType.NODE);
}

/** Rewrites each `weights` channel of the node to the kept targets; drops the channel when none are left. */
function filterWeightAnimations(document: Document, node: Node, count: number, indices: number[]): void {
  for (const animation of document.getRoot().listAnimations()) {
    for (const channel of animation.listChannels()) {
      if (channel.getTargetNode() !== node || channel.getTargetPath() !== 'weights') continue;
      const sampler = channel.getSampler();
      const output = sampler?.getOutput();
      if (!sampler || !output || indices.length === 0) {
        channel.dispose();
        if (sampler?.listParents().every((p) => p === animation)) sampler.dispose();
        continue;
      }
      const values = output.getArray()!;
      // CUBICSPLINE stores in-tangent, value, out-tangent per keyframe: three blocks of `count` each.
      const blocks = values.length / count;
      const out = new Float32Array(blocks * indices.length);
      for (let b = 0; b < blocks; b++) {
        indices.forEach((index, j) => {
          out[b * indices.length + j] = values[b * count + index]!;
        });
      }
      const copy = document
        .createAccessor(output.getName())
        .setType('SCALAR')
        .setArray(out)
        .setBuffer(output.getBuffer());
      sampler.setOutput(copy);
      if (output.listParents().every((p) => p.propertyType === PropertyType.ROOT)) output.dispose();
    }
    if (animation.listChannels().length === 0) animation.dispose();
  }
}
