/**
 * What `inspectAsset` answers. Plain JSON only, because the contracts package mirrors these types as zod
 * schemas. Every list is capped (see `InspectAssetOptions.maxListLength`); `counts` always holds the
 * full totals, so a client can tell when a list was cut.
 */
export interface AssetMetadata {
  byteLength: number;
  generator: string | null;
  /** From the JSON as written, including extensions glTF-Transform does not know. */
  extensionsUsed: string[];
  extensionsRequired: string[];
  counts: AssetCounts;
  geometry: GeometryCounts;
  /** Axis-aligned bounds of the default (or first) scene in its rest pose; null when it has no geometry. */
  bounds: Bounds | null;
  materials: MaterialSummary[];
  textures: TextureSummary[];
  skins: SkinSummary[];
  animations: AnimationSummary[];
  /** Only meshes that have morph targets. */
  morphTargets: MorphTargetSummary[];
  /** Names of named nodes in document order; unnamed nodes are left out. */
  nodeNames: string[];
  /** Nodes a later step could attach things to, most useful first. */
  sockets: Socket[];
}

export interface AssetCounts {
  scenes: number;
  nodes: number;
  meshes: number;
  primitives: number;
  materials: number;
  textures: number;
  skins: number;
  animations: number;
  /** Meshes that have at least one morph target. */
  morphedMeshes: number;
}

/** Counted once per mesh, not once per node that instances it. */
export interface GeometryCounts {
  /** Sum of POSITION counts over all primitives. */
  vertices: number;
  /** All triangles, whatever primitive mode they are stored in. */
  triangles: number;
  trianglesByMode: { triangles: number; strips: number; fans: number };
  points: number;
  /** Line segments from LINES, LINE_STRIP and LINE_LOOP primitives. */
  lines: number;
}

export type Vec3 = [number, number, number];

export interface Bounds {
  min: Vec3;
  max: Vec3;
  size: Vec3;
  center: Vec3;
}

export interface MaterialSummary {
  name: string;
  alphaMode: 'OPAQUE' | 'MASK' | 'BLEND';
  doubleSided: boolean;
}

export interface TextureSummary {
  name: string;
  mimeType: string;
  /** Read from the image header; null when the format is unknown or the header unreadable. */
  width: number | null;
  height: number | null;
  byteLength: number;
}

export interface SkinSummary {
  name: string;
  jointCount: number;
  jointNames: string[];
}

export interface AnimationSummary {
  name: string;
  channelCount: number;
  /** Seconds, from the first keyframe of any channel to the last. */
  start: number;
  end: number;
  duration: number;
}

export interface MorphTargetSummary {
  mesh: string;
  /** Largest target count over the mesh's primitives. */
  count: number;
  /** From the mesh's `extras.targetNames`, the convention Blender and three.js write; may be empty. */
  names: string[];
}

export const socketRoles = ['head', 'neck', 'chest', 'spine', 'hips', 'hand', 'foot'] as const;
export type SocketRole = (typeof socketRoles)[number];

export interface Socket {
  name: string;
  /** `joint`: a bone of some skin; `node`: a named node with no mesh (an empty). */
  kind: 'joint' | 'node';
  /** Guessed from the name; null when the name says nothing we recognise. */
  role: SocketRole | null;
  side: 'left' | 'right' | null;
}
