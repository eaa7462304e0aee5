import type { AssetContainer } from '@babylonjs/core/assetContainer';
import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';

/**
 * Relative spread between a node's scale components below which they are export noise, not a shape:
 * one part in ten thousand is a tenth of a millimetre on a metre-tall avatar.
 */
const NOISE = 1e-4;

/**
 * Makes exactly uniform the node scales that are uniform but for float noise. Babylon gives a mesh the
 * non-uniform-scaling variant of its shader (a per-vertex inverse of the normal matrix) as soon as two
 * scale components differ by more than 1e-6, and an exporter's rounding is enough: RobotExpressive's
 * legs (1, 0.99997, 1) took a shader program of their own, one more to link and to compile at the first
 * draw, for normals that differ in the fifth decimal. Only the loaded rest values are touched: an
 * animation that scales a node (for real or not) sets its scale again, and Babylon flags it again.
 */
export function snapUniformScale(container: AssetContainer): void {
  const nodes: TransformNode[] = [...container.transformNodes, ...container.meshes];
  let snapped = false;
  for (const node of nodes) {
    const { x, y, z } = node.scaling;
    const largest = Math.max(Math.abs(x), Math.abs(y), Math.abs(z));
    if (largest === 0 || (x === y && y === z)) continue;
    // Same sign on every axis: a mirroring scale (one negative component) is a real shape.
    if (Math.sign(x) !== Math.sign(y) || Math.sign(y) !== Math.sign(z)) continue;
    const spread = Math.max(x, y, z) - Math.min(x, y, z);
    if (spread > NOISE * largest) continue;
    const mean = (x + y + z) / 3;
    node.scaling.set(mean, mean, mean);
    snapped = true;
  }
  if (!snapped) return;
  // The flag is inherited from the parent and kept from the last world matrix computed (the loader's,
  // for bounds): recompute parents before children so it is cleared all the way down.
  const depth = (node: TransformNode) => {
    let d = 0;
    for (let parent = node.parent; parent; parent = parent.parent) d++;
    return d;
  };
  for (const node of nodes.sort((a, b) => depth(a) - depth(b))) node.computeWorldMatrix(true);
}
