import type { Root } from '@gltf-transform/core';
import type { Socket, SocketRole } from './asset-metadata.ts';

/**
 * Names of the rigs we have met (Mixamo, VRoid/VRM, Rigify, Blender, Biped, three.js exports) reduced to
 * a few roles. A guess from names only: composition should still let a person pick another node.
 */
const ROLE_PATTERNS: ReadonlyArray<[SocketRole, RegExp]> = [
  // `01` admits the first bone of a numbered chain (Foot01, Foot02) but not exporters' `_1` copies.
  ['head', /^head(01)?$/],
  ['neck', /^neck(01)?$/],
  ['chest', /^(upper)?chest$/],
  ['spine', /^spine\d*$/],
  ['hips', /^(hips?|pelvis)(01)?$/],
  ['hand', /^hand(01)?$/],
  ['foot', /^foot(01)?$/],
];

// Rig prefixes that carry no meaning of their own: mixamorig:Head, J_Bip_C_Head, Bip01 Head, DEF-hand.L.
const RIG_PREFIX = /^(mixamorig\d*[:_]?|j_bip_[clr]_|bip\d*[_ ]|def[-_]|org[-_]|b_)/i;

/**
 * Joints and named empties that could hold an attachment, those with a recognised role first (the head
 * bone a hat goes on leads), then the rest in document order. Mesh nodes are left out.
 */
export function findSockets(root: Root, maxSockets: number): Socket[] {
  const joints = new Set(root.listSkins().flatMap((skin) => skin.listJoints()));
  const nodes = root.listNodes().map((node) => ({
    name: node.getName(),
    isJoint: joints.has(node),
    holdsContent: Boolean(node.getMesh() || node.getCamera()),
  }));
  return findSocketsAmong(nodes, maxSockets);
}

/** `findSockets` over nodes described by hand (document order), for callers that read no `Document`. */
export function findSocketsAmong(
  nodes: ReadonlyArray<{ name: string; isJoint: boolean; holdsContent: boolean }>,
  maxSockets: number,
): Socket[] {
  const sockets: Socket[] = [];
  for (const { name, isJoint, holdsContent } of nodes) {
    if (name === '' || (!isJoint && holdsContent)) continue;
    sockets.push({ name, kind: isJoint ? 'joint' : 'node', role: roleOf(name), side: sideOf(name) });
  }
  // Head first, then down the body (the order of ROLE_PATTERNS), joints before empties; sort is stable,
  // so document order survives within each rank.
  const rank = (socket: Socket) => {
    const role = ROLE_PATTERNS.findIndex(([name]) => name === socket.role);
    return (role === -1 ? ROLE_PATTERNS.length : role) * 2 + (socket.kind === 'joint' ? 0 : 1);
  };
  return sockets.sort((a, b) => rank(a) - rank(b)).slice(0, maxSockets);
}

function roleOf(name: string): SocketRole | null {
  const base = name
    .replace(RIG_PREFIX, '')
    .replace(/left|right/gi, '')
    .replace(/(^|[^a-z])[lr](?=[^a-z]|$)/gi, '$1') // L_Hand, Hand.L, Hand_R
    .replace(/([a-z\d])[LR]$/, '$1') // HandL, FootR (case matters: "Ball" is not left)
    .toLowerCase()
    .replace(/[^a-z\d]/g, '');
  return ROLE_PATTERNS.find(([, pattern]) => pattern.test(base))?.[0] ?? null;
}

function sideOf(name: string): Socket['side'] {
  const left = /left/i.test(name) || /(^|[^a-z])l([^a-z]|$)/i.test(name) || /[a-z\d]L$/.test(name);
  const right = /right/i.test(name) || /(^|[^a-z])r([^a-z]|$)/i.test(name) || /[a-z\d]R$/.test(name);
  if (left === right) return null; // neither, or a name too odd to trust
  return left ? 'left' : 'right';
}
