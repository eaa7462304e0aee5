import {
  type Animation,
  ColorUtils,
  type Document,
  type Node,
  PropertyType,
  type Scene,
  type Skin,
  type vec3,
} from '@gltf-transform/core';
import { mergeDocuments, unpartition } from '@gltf-transform/functions';
import type { SocketRole } from './asset-metadata.ts';
import { findSockets } from './find-sockets.ts';
import { invert, multiply, translation } from './mat4.ts';

/** A node of the base by exact name, or the first socket `findSockets` gives a role (and side). */
export type SocketSelector = string | { role: SocketRole; side?: 'left' | 'right' | null };

export interface AvatarPart {
  /** Names the part: its wrapper node in the output, and its entry in the report ("hair", "top"). */
  slot: string;
  /** Read-only here: the part is copied into the base, so one part document can serve many avatars. */
  document: Document;
  /**
   * Where the part goes unless it is skinned to the base's skeleton; a list is tried in order. None, or
   * none found: the scene root.
   */
  socket?: SocketSelector | readonly SocketSelector[];
}

export interface ComposeAvatarOptions {
  parts: AvatarPart[];
  /** Material name -> sRGB colour `#rrggbb`, multiplied into the material's base colour. */
  colors: Record<string, string>;
  /** Morph target name (from the mesh's `extras.targetNames`) -> weight, 0..1. */
  morphs: Record<string, number>;
}

export const COMPOSE_AVATAR_DEFAULTS: Readonly<ComposeAvatarOptions> = Object.freeze({
  parts: [],
  colors: {},
  morphs: {},
});

export interface ComposedPart {
  slot: string;
  /**
   * `skeleton`: skinned to joints named as the base's, now bound to the base's own joints;
   * `socket`: placed at a socket node; `root`: at the scene root (no socket asked for, or none found).
   */
  attachment: 'skeleton' | 'socket' | 'root';
  /** The socket node's name, for `socket`. */
  socket: string | null;
}

export interface ComposeAvatarReport {
  parts: ComposedPart[];
  colors: { applied: string[]; unmatched: string[] };
  morphs: { applied: string[]; unmatched: string[] };
}

// The composed document is written uncompressed; whoever wants compression applies it when writing.
const COMPRESSION_EXTENSIONS = new Set(['EXT_meshopt_compression', 'KHR_draco_mesh_compression']);

/**
 * Merges parts into a base model, in place: a part skinned to joints that all carry the names of the
 * base's joints is bound to the base skeleton (its own bones are dropped); any other part hangs from a
 * socket node, its origin at the socket's rest-pose world position, in the base's world axes and units,
 * following the socket when it moves. Then colours go onto materials by name and morph weights onto
 * meshes by target name. Parts' animations are dropped; the base keeps its own.
 */
export async function composeAvatar(
  base: Document,
  options: Partial<ComposeAvatarOptions> = {},
): Promise<ComposeAvatarReport> {
  const opts = { ...COMPOSE_AVATAR_DEFAULTS, ...options };
  const root = base.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0] ?? base.createScene('Scene');
  root.setDefaultScene(scene);
  const baseJoints = jointsByName(root.listSkins());

  const parts: ComposedPart[] = [];
  for (const part of opts.parts) {
    const source = part.document.getRoot();
    const sourceScene = source.getDefaultScene() ?? source.listScenes()[0];
    if (!sourceScene) continue; // nothing to show
    const map = mergeDocuments(base, part.document);
    const copy = <T>(property: T): T => map.get(property as never) as T;
    for (const animation of source.listAnimations()) copy<Animation>(animation).dispose();
    const skins = source.listSkins().map((skin) => copy<Skin>(skin));
    const partScene = copy<Scene>(sourceScene);
    if (skins.length > 0 && skins.every((skin) => fitsSkeleton(skin, baseJoints))) {
      bindToSkeleton(base, scene, partScene, skins, baseJoints, part.slot);
      parts.push({ slot: part.slot, attachment: 'skeleton', socket: null });
    } else {
      const socket = findSocketNode(base, part.socket);
      const wrapper = base.createNode(part.slot);
      for (const child of partScene.listChildren()) wrapper.addChild(child);
      if (socket) {
        socket.addChild(wrapper);
        placeAtSocket(wrapper, socket);
      } else {
        scene.addChild(wrapper);
      }
      parts.push({
        slot: part.slot,
        attachment: socket ? 'socket' : 'root',
        socket: socket ? socket.getName() : null,
      });
    }
    for (const other of source.listScenes()) copy<Scene>(other).dispose();
  }

  for (const extension of root.listExtensionsUsed()) {
    if (COMPRESSION_EXTENSIONS.has(extension.extensionName)) extension.dispose();
  }
  // One buffer per merged file until now; a GLB holds exactly one.
  if (root.listBuffers().length > 1) await base.transform(unpartition());

  return {
    parts,
    colors: applyColors(base, opts.colors),
    morphs: applyMorphs(base, opts.morphs),
  };
}

function jointsByName(skins: Skin[]): Map<string, Node> {
  const byName = new Map<string, Node>();
  for (const skin of skins) {
    for (const joint of skin.listJoints()) {
      const name = joint.getName();
      if (name !== '' && !byName.has(name)) byName.set(name, joint);
    }
  }
  return byName;
}

function fitsSkeleton(skin: Skin, baseJoints: Map<string, Node>): boolean {
  const joints = skin.listJoints();
  return joints.length > 0 && joints.every((joint) => baseJoints.has(joint.getName()));
}

/**
 * Points the part's skins at the base's joints of the same names (keeping the part's inverse bind
 * matrices: a part made for this rig was bound in the same rest pose), moves whatever hung from a part
 * bone to the base bone of that name, and drops the part's own bones.
 */
function bindToSkeleton(
  base: Document,
  scene: Scene,
  partScene: Scene,
  skins: Skin[],
  baseJoints: Map<string, Node>,
  slot: string,
): void {
  const partJoints = new Set(skins.flatMap((skin) => skin.listJoints()));
  const baseSkeleton = base.getRoot().listSkins()[0]?.getSkeleton() ?? null;
  for (const skin of skins) {
    const joints = skin.listJoints();
    for (const joint of joints) skin.removeJoint(joint);
    // Same order: JOINTS_0 indexes into this list.
    for (const joint of joints) skin.addJoint(baseJoints.get(joint.getName())!);
    skin.setSkeleton(baseSkeleton);
  }
  const nodes = partScene.listChildren().flatMap(descendants);
  let wrapper: Node | null = null;
  for (const node of nodes) {
    if (partJoints.has(node)) continue;
    const parent = node.getParentNode();
    if (node.getSkin()) {
      // A skinned mesh ignores its node's transform; the root is where glTF wants it.
      scene.addChild(node);
    } else if (parent && partJoints.has(parent)) {
      baseJoints.get(parent.getName())!.addChild(node);
    } else if (!parent) {
      wrapper ??= base.createNode(slot);
      wrapper.addChild(node);
    }
  }
  if (wrapper) scene.addChild(wrapper);
  for (const joint of partJoints) joint.dispose();
}

function descendants(node: Node): Node[] {
  return [node, ...node.listChildren().flatMap(descendants)];
}

function findSocketNode(base: Document, wanted: AvatarPart['socket']): Node | null {
  const selectors: readonly SocketSelector[] =
    wanted === undefined ? [] : Array.isArray(wanted) ? wanted : [wanted as SocketSelector];
  for (const selector of selectors) {
    const node = findOneSocket(base, selector);
    if (node) return node;
  }
  return null;
}

function findOneSocket(base: Document, selector: SocketSelector): Node | null {
  const nodes = base.getRoot().listNodes();
  if (typeof selector === 'string') {
    return nodes.find((node) => node.getName() === selector) ?? null;
  }
  const socket = findSockets(base.getRoot(), Number.POSITIVE_INFINITY).find(
    (s) => s.role === selector.role && (!selector.side || s.side === selector.side),
  );
  return socket ? (nodes.find((node) => node.getName() === socket.name) ?? null) : null;
}

/** Local transform that puts the wrapper's origin at the socket, unrotated and unscaled in world space. */
function placeAtSocket(wrapper: Node, socket: Node): void {
  const world = socket.getWorldMatrix();
  const inverse = invert(world);
  if (!inverse) return; // a zero scale above the socket: nothing sensible to undo
  wrapper.setMatrix(multiply(inverse, translation(world[12], world[13], world[14])));
}

function applyColors(base: Document, colors: Record<string, string>): ComposeAvatarReport['colors'] {
  const applied: string[] = [];
  const unmatched: string[] = [];
  const materials = base.getRoot().listMaterials();
  for (const [name, hex] of Object.entries(colors)) {
    const targets = materials.filter((material) => material.getName() === name);
    const rgb = parseHexColor(hex);
    if (targets.length === 0 || !rgb) {
      unmatched.push(name);
      continue;
    }
    for (const material of targets) {
      const alpha = material.getBaseColorFactor()[3];
      material.setBaseColorFactor([rgb[0], rgb[1], rgb[2], alpha]);
    }
    applied.push(name);
  }
  return { applied, unmatched };
}

/** `#rrggbb` to linear RGB factors (glTF colour factors are linear); null when malformed. */
export function parseHexColor(hex: string): vec3 | null {
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return null;
  return ColorUtils.hexToFactor(Number.parseInt(hex.slice(1), 16), [0, 0, 0] as vec3);
}

function applyMorphs(base: Document, morphs: Record<string, number>): ComposeAvatarReport['morphs'] {
  const applied = new Set<string>();
  const root = base.getRoot();
  for (const mesh of root.listMeshes()) {
    const names = mesh.getExtras().targetNames;
    if (!Array.isArray(names)) continue;
    const count = Math.max(0, ...mesh.listPrimitives().map((primitive) => primitive.listTargets().length));
    if (count === 0) continue;
    const weights = Array.from({ length: count }, (_, i) => mesh.getWeights()[i] ?? 0);
    let changed = false;
    names.forEach((name, index) => {
      const weight = typeof name === 'string' ? morphs[name] : undefined;
      if (weight === undefined || index >= count) return;
      weights[index] = Math.min(1, Math.max(0, weight));
      applied.add(name as string);
      changed = true;
    });
    if (!changed) continue;
    mesh.setWeights(weights);
    // A node's own weights override its mesh's; keep the two in step where a node has them.
    for (const parent of mesh.listParents()) {
      if (parent.propertyType === PropertyType.NODE && (parent as Node).getWeights().length > 0) {
        (parent as Node).setWeights(weights);
      }
    }
  }
  const names = Object.keys(morphs);
  return { applied: names.filter((n) => applied.has(n)), unmatched: names.filter((n) => !applied.has(n)) };
}
