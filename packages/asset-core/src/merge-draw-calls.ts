import {
  type Accessor,
  type AnimationChannel,
  type Buffer,
  type Document,
  type Material,
  type Mesh,
  type mat4,
  type Node,
  type Primitive,
  PropertyType,
  type Skin,
} from '@gltf-transform/core';
import { invert, multiply } from './mat4.ts';
import { PrimitiveMode } from './primitive-mode.ts';

export interface MergeDrawCallsReport {
  /** Primitives drawn by the default scene, before and after. */
  drawCallsBefore: number;
  drawCallsAfter: number;
  /** Rigid meshes (hanging from a bone) turned into meshes skinned to that bone. */
  rigidBound: number;
}

/**
 * Joins what can be drawn together into one primitive per material: every primitive skinned to the
 * avatar's skeleton (parts composed onto it carry their own skin over the same bones, which is folded
 * into the main one), and every rigid mesh hanging from a bone (hair, a hat at a socket), which becomes
 * skinned to that bone with weight 1, so it follows the bone exactly as before. Primitives with morph
 * targets stay as they are (their targets cannot be joined), as do meshes outside the skeleton. After a
 * texture atlas, an avatar is then drawn in one or two calls. Hand-written: glTF-Transform's `join`
 * leaves skinned meshes alone.
 */
export function mergeDrawCalls(document: Document): MergeDrawCallsReport {
  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const drawCallsBefore = countDrawCalls(document);
  const unchanged = { drawCallsBefore, drawCallsAfter: drawCallsBefore, rigidBound: 0 };
  if (!scene) return unchanged;
  const nodes = scene.listChildren().flatMap(descendants);
  const skinned = nodes.filter((n) => n.getSkin() && n.getMesh());
  const main = mainSkin(skinned.map((n) => n.getSkin()!));
  if (!main) return unchanged;
  const joints = main.listJoints();
  const jointIndex = new Map(joints.map((j, i) => [j, i]));
  const ibms = inverseBindMatrices(main);
  const animated = animatedNodes(document, false);
  const buffer = root.listBuffers()[0] ?? document.createBuffer();
  const items: Item[] = [];
  const take = (node: Node, primitive: Primitive, prepare: (copy: Primitive) => void) => {
    const mesh = node.getMesh()!;
    const copy = normalized(document, primitive, buffer);
    prepare(copy);
    items.push({ node, primitive: copy, morphs: morphKey(node, mesh, copy) });
    mesh.removePrimitive(primitive);
  };

  for (const node of skinned) {
    const skin = node.getSkin()!;
    const remap = skin === main ? null : jointRemap(skin, main, jointIndex, ibms);
    if ((skin !== main && !remap) || sharedMesh(node)) continue;
    for (const primitive of node.getMesh()!.listPrimitives()) {
      if (primitive.getMode() !== PrimitiveMode.TRIANGLES) continue;
      take(node, primitive, (copy) => remap && remapJoints(document, copy, remap, buffer));
    }
  }

  let rigidBound = 0;
  let skeletonRoot = commonRoot(joints);
  // What meshes hanging from no bone are bound to: the nearest still node above the skeleton.
  let still: Node | null = skeletonRoot;
  while (still && (jointIndex.has(still) || animated.has(still))) still = still.getParentNode();
  const added = new Map<Node, number>();
  // An animated node that is no bone (a head pivot), or the skeleton's still root for meshes hanging
  // from no bone, joins the skin as a joint of its own, bound where it stands now.
  const jointFor = (anchor: Node): number | null => {
    if (jointIndex.has(anchor)) return jointIndex.get(anchor)!;
    if (!skeletonRoot) return null;
    if (!isWithin(anchor, skeletonRoot)) {
      if (!isWithin(skeletonRoot, anchor)) return null;
      skeletonRoot = anchor; // the joints keep a common root
    }
    let index = added.get(anchor);
    if (index === undefined) {
      const bind = invert(anchor.getWorldMatrix());
      if (!bind) return null;
      index = addJoint(document, main, anchor, bind, buffer);
      added.set(anchor, index);
      ibms.push(bind);
    }
    return index;
  };
  for (const node of nodes) {
    if (node.getSkin() || !node.getMesh() || jointIndex.has(node) || sharedMesh(node)) continue;
    const place = anchorAbove(node, jointIndex, animated);
    const anchor = place === 'static' ? still : place;
    const bone = anchor ? jointFor(anchor) : null;
    if (bone === null) continue;
    const bind = invert(ibms[bone]!);
    const boneWorld = invert(main.listJoints()[bone]!.getWorldMatrix());
    if (!bind || !boneWorld) continue;
    // Rest-pose vertex positions such that the bone's skinning matrix puts them where they were.
    const matrix = multiply(multiply(bind, boneWorld), node.getWorldMatrix());
    for (const primitive of node.getMesh()!.listPrimitives()) {
      if (primitive.getMode() !== PrimitiveMode.TRIANGLES) continue;
      take(node, primitive, (copy) => {
        transformPrimitive(copy, matrix);
        bindToBone(document, copy, bone, buffer);
      });
      rigidBound++;
    }
  }
  if (added.size > 0 && skeletonRoot) main.setSkeleton(skeletonRoot);
  if (items.length === 0) return unchanged;

  // One mesh per morph-target set (glTF: every primitive of a mesh has the same targets), one
  // primitive per material in each.
  const meshes = new Map<string, Item[]>();
  for (const item of items) meshes.set(item.morphs.key, [...(meshes.get(item.morphs.key) ?? []), item]);
  for (const group of meshes.values()) {
    const { names, weights } = group[0]!.morphs;
    const mesh = document.createMesh(names.length ? 'avatar_morphs' : 'avatar');
    if (names.length) mesh.setWeights(weights).setExtras({ targetNames: names });
    const byMaterial = new Map<Material | null, Primitive[]>();
    for (const { primitive } of group) {
      const m = primitive.getMaterial();
      byMaterial.set(m, [...(byMaterial.get(m) ?? []), primitive]);
    }
    for (const primitives of byMaterial.values()) {
      mesh.addPrimitive(concatPrimitives(document, primitives, buffer));
      for (const primitive of primitives) primitive.dispose();
    }
    const merged = document.createNode(mesh.getName()).setMesh(mesh).setSkin(main);
    scene.addChild(merged);
    if (names.length) retargetWeightAnimations(document, new Set(group.map((item) => item.node)), merged);
  }

  for (const mesh of root.listMeshes()) {
    if (mesh.listPrimitives().length > 0) continue;
    for (const parent of mesh.listParents()) {
      if (parent.propertyType === PropertyType.NODE)
        (parent as Node).setMesh(null).setSkin(null).setWeights([]);
    }
    mesh.dispose();
  }
  return { drawCallsBefore, drawCallsAfter: countDrawCalls(document), rigidBound };
}

interface Item {
  /** The node the primitive was drawn by: its morph-weight animations move to the merged node. */
  node: Node;
  primitive: Primitive;
  morphs: { key: string; names: string[]; weights: number[] };
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] as mat4;

/** A mesh used by several nodes would lose its primitives under all of them: left alone. */
function sharedMesh(node: Node): boolean {
  return (
    node
      .getMesh()!
      .listParents()
      .filter((p) => p.propertyType === PropertyType.NODE).length > 1
  );
}

/** Which morph-target set the primitive belongs to: names, count and weights must all agree to share a mesh. */
function morphKey(node: Node, mesh: Mesh, primitive: Primitive): Item['morphs'] {
  const count = primitive.listTargets().length;
  if (count === 0) return { key: '', names: [], weights: [] };
  const extras = mesh.getExtras().targetNames;
  const names = Array.from({ length: count }, (_, i) =>
    Array.isArray(extras) && typeof extras[i] === 'string' ? (extras[i] as string) : `target_${i}`,
  );
  const own = node.getWeights().length > 0 ? node.getWeights() : mesh.getWeights();
  const weights = Array.from({ length: count }, (_, i) => own[i] ?? 0);
  const layout = primitive.listTargets()[0]!.listSemantics().sort().join('+');
  return { key: JSON.stringify([names, weights, layout, weightAnimations(node)]), names, weights };
}

/**
 * What drives the node's morph weights, as a comparable string: nodes whose weights follow the same
 * keyframes in the same animations can share one mesh (and one channel).
 */
function weightAnimations(node: Node): string {
  const channels = node
    .listParents()
    .filter((p): p is AnimationChannel => p.propertyType === PropertyType.ANIMATION_CHANNEL)
    .filter((c) => c.getTargetPath() === 'weights');
  return channels
    .map((c) => {
      const sampler = c.getSampler();
      const animation = c.listParents().find((p) => p.propertyType === PropertyType.ANIMATION);
      const input = Array.from(sampler?.getInput()?.getArray() ?? []);
      const output = Array.from(sampler?.getOutput()?.getArray() ?? []);
      return JSON.stringify([animation?.getName(), sampler?.getInterpolation(), input, output]);
    })
    .sort()
    .join('|');
}

/** Moves the nodes' (identical) weight channels onto `target`: one channel per animation stays. */
function retargetWeightAnimations(document: Document, nodes: Set<Node>, target: Node): void {
  for (const animation of document.getRoot().listAnimations()) {
    let kept = false;
    for (const channel of animation.listChannels()) {
      const node = channel.getTargetNode();
      if (!node || !nodes.has(node) || channel.getTargetPath() !== 'weights') continue;
      if (kept) {
        channel.dispose();
        continue;
      }
      channel.setTargetNode(target);
      kept = true;
    }
  }
}

/** Appends `node` to the skin as a joint bound with `bind`; answers its index. */
function addJoint(document: Document, skin: Skin, node: Node, bind: mat4, buffer: Buffer): number {
  const previous = skin.getInverseBindMatrices();
  const count = skin.listJoints().length;
  const array = new Float32Array((count + 1) * 16);
  for (let i = 0; i < count; i++) array.set(previous ? previous.getElement(i, []) : IDENTITY, i * 16);
  array.set(bind, count * 16);
  skin.addJoint(node);
  skin.setInverseBindMatrices(document.createAccessor().setType('MAT4').setArray(array).setBuffer(buffer));
  return count;
}

/** The deepest node every joint descends from (or is). */
function commonRoot(joints: Node[]): Node | null {
  const chain = (node: Node) => {
    const out: Node[] = [];
    for (let n: Node | null = node; n; n = n.getParentNode()) out.unshift(n);
    return out;
  };
  const chains = joints.map(chain);
  let root: Node | null = null;
  for (let depth = 0; ; depth++) {
    const candidate = chains[0]?.[depth];
    if (!candidate || !chains.every((c) => c[depth] === candidate)) return root;
    root = candidate;
  }
}

function isWithin(node: Node, root: Node): boolean {
  for (let n: Node | null = node; n; n = n.getParentNode()) if (n === root) return true;
  return false;
}

/**
 * Joins primitives of one material into one: vertices appended one after another, indices offset,
 * morph targets appended alike. Attributes only some have are filled (COLOR_0 with white) or dropped.
 * Hand-written because glTF-Transform's `joinPrimitives` drops morph targets.
 */
function concatPrimitives(document: Document, primitives: Primitive[], buffer: Buffer): Primitive {
  const first = primitives[0]!;
  const every = (s: string) => primitives.every((p) => p.getAttribute(s));
  const semantics = [...new Set(primitives.flatMap((p) => p.listSemantics()))].filter(
    (s) => every(s) || s === 'COLOR_0',
  );
  const counts = primitives.map((p) => p.getAttribute('POSITION')!.getCount());
  const total = counts.reduce((a, b) => a + b, 0);
  const joined = document.createPrimitive().setMode(first.getMode()).setMaterial(first.getMaterial());
  const concat = (get: (p: Primitive) => Accessor | null, size: number, fill: number[], joints: boolean) => {
    const out = joints ? new Uint16Array(total * size) : new Float32Array(total * size);
    let at = 0;
    primitives.forEach((p, i) => {
      const source = get(p);
      const el: number[] = [];
      for (let v = 0; v < counts[i]!; v++) {
        if (source) {
          source.getElement(v, el);
          for (let k = 0; k < size; k++) out[(at + v) * size + k] = el[k] ?? fill[k] ?? 0;
        } else {
          out.set(fill.slice(0, size), (at + v) * size);
        }
      }
      at += counts[i]!;
    });
    return out;
  };
  for (const semantic of semantics) {
    const source =
      first.getAttribute(semantic) ??
      primitives.find((p) => p.getAttribute(semantic))!.getAttribute(semantic)!;
    const size = semantic === 'COLOR_0' ? 4 : source.getElementSize();
    const type = semantic === 'COLOR_0' ? 'VEC4' : source.getType();
    const array = concat((p) => p.getAttribute(semantic), size, [1, 1, 1, 1], semantic.startsWith('JOINTS_'));
    joined.setAttribute(semantic, document.createAccessor().setType(type).setArray(array).setBuffer(buffer));
  }
  first.listTargets().forEach((target, t) => {
    const out = document.createPrimitiveTarget();
    for (const semantic of target.listSemantics()) {
      const size = target.getAttribute(semantic)!.getElementSize();
      const array = concat(
        (p) => p.listTargets()[t]?.getAttribute(semantic) ?? null,
        size,
        [0, 0, 0, 0],
        false,
      );
      out.setAttribute(
        semantic,
        document
          .createAccessor()
          .setType(target.getAttribute(semantic)!.getType())
          .setArray(array)
          .setBuffer(buffer),
      );
    }
    joined.addTarget(out);
  });
  const indices = new Uint32Array(primitives.reduce((n, p) => n + p.getIndices()!.getCount(), 0));
  let offset = 0;
  let at = 0;
  primitives.forEach((p, i) => {
    const source = p.getIndices()!.getArray()!;
    for (let k = 0; k < source.length; k++) indices[at + k] = source[k]! + offset;
    at += source.length;
    offset += counts[i]!;
  });
  const small = total <= 65_535 ? new Uint16Array(indices) : indices;
  joined.setIndices(document.createAccessor().setType('SCALAR').setArray(small).setBuffer(buffer));
  return joined;
}

/** Primitives a renderer draws for the default scene: one per primitive per node that shows a mesh. */
export function countDrawCalls(document: Document): number {
  const root = document.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  if (!scene) return 0;
  return scene
    .listChildren()
    .flatMap(descendants)
    .reduce((sum, node) => sum + (node.getMesh()?.listPrimitives().length ?? 0), 0);
}

function descendants(node: Node): Node[] {
  return [node, ...node.listChildren().flatMap(descendants)];
}

function mainSkin(skins: Skin[]): Skin | null {
  let best: Skin | null = null;
  for (const skin of skins) if (!best || skin.listJoints().length > best.listJoints().length) best = skin;
  return best;
}

function inverseBindMatrices(skin: Skin): mat4[] {
  const accessor = skin.getInverseBindMatrices();
  return skin.listJoints().map((_, i) => {
    if (!accessor) return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] as mat4;
    return accessor.getElement(i, []) as unknown as mat4;
  });
}

/** Index in `main` for each joint of `skin`, when every joint is in `main` bound the same way. */
function jointRemap(skin: Skin, main: Skin, index: Map<Node, number>, ibms: mat4[]): Uint16Array | null {
  const own = inverseBindMatrices(skin);
  const remap = new Uint16Array(skin.listJoints().length);
  const ok = skin.listJoints().every((joint, i) => {
    const at = index.get(joint);
    if (at === undefined) return false;
    remap[i] = at;
    return own[i]!.every((v, k) => Math.abs(v - ibms[at]![k]!) <= 1e-3 * Math.max(1, Math.abs(v)));
  });
  return ok && main !== skin ? remap : null;
}

/** Nodes an animation moves (`weights`: false) or whose morph weights it drives (true). */
function animatedNodes(document: Document, weights: boolean): Set<Node> {
  const nodes = new Set<Node>();
  for (const animation of document.getRoot().listAnimations()) {
    for (const channel of animation.listChannels()) {
      const node = channel.getTargetNode();
      if (node && (channel.getTargetPath() === 'weights') === weights) nodes.add(node);
    }
  }
  return nodes;
}

/**
 * The nearest node at or above `node` that moves: a bone of the main skeleton or an animated node;
 * 'static' when nothing above it moves.
 */
function anchorAbove(node: Node, joints: Map<Node, number>, animated: Set<Node>): Node | 'static' {
  for (let n: Node | null = node; n; n = n.getParentNode()) {
    if (joints.has(n) || animated.has(n)) return n;
  }
  return 'static';
}

/**
 * A copy of the primitive with float attributes (joint indices as u16), float morph deltas and u32
 * indices, so that primitives from different files share one vertex layout and can be joined.
 */
function normalized(document: Document, primitive: Primitive, buffer: Buffer): Primitive {
  const copy = document.createPrimitive().setMode(primitive.getMode()).setMaterial(primitive.getMaterial());
  const floats = (source: Accessor, joints = false) => {
    const n = source.getCount() * source.getElementSize();
    const array = joints ? new Uint16Array(n) : new Float32Array(n);
    const el: number[] = [];
    for (let i = 0; i < source.getCount(); i++) array.set(source.getElement(i, el), i * el.length);
    return document.createAccessor().setType(source.getType()).setArray(array).setBuffer(buffer);
  };
  for (const semantic of primitive.listSemantics()) {
    copy.setAttribute(semantic, floats(primitive.getAttribute(semantic)!, semantic.startsWith('JOINTS_')));
  }
  for (const target of primitive.listTargets()) {
    const out = document.createPrimitiveTarget();
    for (const semantic of target.listSemantics())
      out.setAttribute(semantic, floats(target.getAttribute(semantic)!));
    copy.addTarget(out);
  }
  const count = primitive.getAttribute('POSITION')?.getCount() ?? 0;
  const indices = primitive.getIndices()?.getArray() ?? Uint32Array.from({ length: count }, (_, i) => i);
  copy.setIndices(
    document.createAccessor().setType('SCALAR').setArray(new Uint32Array(indices)).setBuffer(buffer),
  );
  return copy;
}

function remapJoints(document: Document, primitive: Primitive, remap: Uint16Array, buffer: Buffer) {
  for (const semantic of primitive.listSemantics()) {
    if (!semantic.startsWith('JOINTS_')) continue;
    const accessor = primitive.getAttribute(semantic)!;
    const array = accessor.getArray() as Uint16Array;
    const out = new Uint16Array(array.length);
    for (let i = 0; i < array.length; i++) out[i] = remap[array[i]!] ?? 0;
    primitive.setAttribute(
      semantic,
      document.createAccessor().setType('VEC4').setArray(out).setBuffer(buffer),
    );
  }
}

function bindToBone(document: Document, primitive: Primitive, bone: number, buffer: Buffer) {
  const count = primitive.getAttribute('POSITION')!.getCount();
  const joints = new Uint16Array(count * 4);
  const weights = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    joints[i * 4] = bone;
    weights[i * 4] = 1;
  }
  for (const semantic of primitive.listSemantics()) {
    if (/^(JOINTS|WEIGHTS)_/.test(semantic)) primitive.setAttribute(semantic, null);
  }
  primitive.setAttribute(
    'JOINTS_0',
    document.createAccessor().setType('VEC4').setArray(joints).setBuffer(buffer),
  );
  primitive.setAttribute(
    'WEIGHTS_0',
    document.createAccessor().setType('VEC4').setArray(weights).setBuffer(buffer),
  );
}

/** Positions by the matrix; normals and tangents by its rotation-scale part, renormalized; deltas alike. */
function transformPrimitive(primitive: Primitive, m: mat4) {
  const apply = (accessor: Accessor | null, w: 0 | 1, unit: boolean) => {
    if (!accessor) return;
    const a = accessor.getArray() as Float32Array;
    const n = accessor.getElementSize();
    for (let i = 0; i < accessor.getCount(); i++) {
      const [x, y, z] = [a[i * n]!, a[i * n + 1]!, a[i * n + 2]!];
      let ox = m[0] * x + m[4] * y + m[8] * z + m[12] * w;
      let oy = m[1] * x + m[5] * y + m[9] * z + m[13] * w;
      let oz = m[2] * x + m[6] * y + m[10] * z + m[14] * w;
      if (unit) {
        const len = Math.hypot(ox, oy, oz) || 1;
        ox /= len;
        oy /= len;
        oz /= len;
      }
      a[i * n] = ox;
      a[i * n + 1] = oy;
      a[i * n + 2] = oz;
    }
  };
  apply(primitive.getAttribute('POSITION'), 1, false);
  // Bone-local transforms of parts are rotations with uniform scale, where this equals the inverse transpose.
  apply(primitive.getAttribute('NORMAL'), 0, true);
  apply(primitive.getAttribute('TANGENT'), 0, true);
  for (const target of primitive.listTargets()) {
    apply(target.getAttribute('POSITION'), 0, false);
    apply(target.getAttribute('NORMAL'), 0, false);
    apply(target.getAttribute('TANGENT'), 0, false);
  }
}
