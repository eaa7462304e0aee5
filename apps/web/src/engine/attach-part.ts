import type { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import type { LoadedModel } from './gltf-loader.ts';

/** How a part ended up on its base: following the base's skeleton, on one of its nodes, or as authored. */
export type Attachment = 'skeleton' | 'socket' | 'model-space';

/** Rig prefixes that say nothing about a node (mixamorig:Head, J_Bip_C_Head, b_Head, DEF-head). */
const RIG_PREFIX = /^(mixamorig\d*[:_]?|j_bip_[clr]_|bip\d*[_ ]|def[-_]|org[-_]|b_)/i;
const plain = (name: string) => name.replace(RIG_PREFIX, '').toLowerCase();

/** Share of a part's joints that must be found in the base for the part to follow the base's skeleton. */
const MIN_JOINT_MATCH = 0.8;

/**
 * Puts a part (already added to the scene) on a base model:
 * - a skinned part whose joints are named like the base's joints follows the base's skeleton: each joint
 *   is re-linked to the base node of the same name, so the base's animations and poses move it;
 * - else a part with a socket (a node name in the base, like its head bone) is parented there: the
 *   part is authored relative to that node;
 * - else it stays where it was authored, in the base's model space.
 */
export function attachPart(base: LoadedModel, part: LoadedModel, socket?: string): Attachment {
  const baseNodes = new Map<string, TransformNode>();
  for (const node of base.container.transformNodes) baseNodes.set(node.name, node);

  const skeletons = part.container.skeletons;
  const bones = skeletons.flatMap((skeleton) => skeleton.bones);
  if (bones.length > 0) {
    const matches = bones.filter((bone) => baseNodes.has(bone.getTransformNode()?.name ?? bone.name));
    if (matches.length >= bones.length * MIN_JOINT_MATCH) {
      for (const bone of matches) {
        const node = baseNodes.get(bone.getTransformNode()?.name ?? bone.name);
        if (node) bone.linkTransformNode(node);
      }
      return 'skeleton';
    }
  }

  const anchor = socket ? findSocket(base, socket) : undefined;
  if (anchor && part.root) {
    // The part's own scene nodes sit under its `__root__` in glTF space, as does the socket: moving
    // them (not the root, which converts handedness) keeps the conversion applied once.
    for (const child of part.root.getChildren()) child.parent = anchor;
    return 'socket';
  }
  return 'model-space';
}

function findSocket(model: LoadedModel, name: string): TransformNode | undefined {
  const nodes = model.container.transformNodes;
  return (
    nodes.find((node) => node.name === name) ??
    nodes.find((node) => node.name.toLowerCase() === name.toLowerCase()) ??
    nodes.find((node) => plain(node.name) === plain(name))
  );
}
