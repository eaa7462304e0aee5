/**
 * What `validateGlb` answers. Plain JSON only (numbers, strings, arrays, objects) because the contracts
 * package mirrors these types as zod schemas and the server sends them as they are.
 */

/** Problems with the GLB container itself, found before anything else runs. */
export const containerIssueCodes = [
  'GLB_EMPTY',
  'GLB_TOO_SHORT',
  'GLB_BAD_MAGIC',
  'GLB_UNSUPPORTED_VERSION',
  'GLB_TRUNCATED',
  'GLB_LENGTH_MISMATCH',
  'GLB_JSON_CHUNK_MISSING',
  'GLB_JSON_INVALID',
  'GLB_EXTERNAL_RESOURCE',
] as const;
export type ContainerIssueCode = (typeof containerIssueCodes)[number];

/** One code per configurable limit in `ValidateGlbOptions`. */
export const limitIssueCodes = [
  'LIMIT_BYTES',
  'LIMIT_TRIANGLES',
  'LIMIT_VERTICES',
  'LIMIT_NODES',
  'LIMIT_MESHES',
  'LIMIT_MATERIALS',
  'LIMIT_TEXTURES',
  'LIMIT_TEXTURE_DIMENSION',
  'LIMIT_IMAGE_PIXELS',
  'LIMIT_SKINS',
  'LIMIT_JOINTS',
  'LIMIT_ANIMATIONS',
  'LIMIT_MORPH_TARGETS',
] as const;
export type LimitIssueCode = (typeof limitIssueCodes)[number];

/** Issues about running the Khronos validator rather than about the asset. */
export const validatorIssueCodes = ['VALIDATOR_FAILED'] as const;
export type ValidatorIssueCode = (typeof validatorIssueCodes)[number];

/**
 * Where an issue came from. `khronos` issues carry the Khronos validator's own codes (an open but stable
 * set, e.g. `ACCESSOR_INVALID_FLOAT`, listed in the validator's ISSUES.md) or `VALIDATOR_FAILED`; the
 * other sources use the closed lists above.
 */
export type IssueSource = 'container' | 'limit' | 'khronos';

export interface Issue {
  source: IssueSource;
  /** A `ContainerIssueCode`, `LimitIssueCode` or `ValidatorIssueCode`, or a Khronos code. */
  code: string;
  message: string;
  /** JSON pointer into the glTF JSON, e.g. `/skins/0`. */
  pointer?: string;
  /** Byte offset in the file, for issues in the GLB container itself. */
  offset?: number;
}

/** What was counted from the glTF JSON; the limits are checked against these numbers. */
export interface GlbStats {
  bytes: number;
  /** Triangles stored in meshes (lists, strips and fans), counted once per mesh, not per instance. */
  triangles: number;
  /** Sum of POSITION counts over all primitives. */
  vertices: number;
  nodes: number;
  meshes: number;
  materials: number;
  /** Images, since they, not texture references, cost memory. */
  textures: number;
  /** Largest width or height over the images whose header could be read; 0 when there are none. */
  maxTextureDimension: number;
  skins: number;
  /** Largest joint count of any one skin. */
  maxJoints: number;
  animations: number;
  /** Largest number of morph targets on any one primitive. */
  maxMorphTargets: number;
}

export interface ValidationReport {
  /** True when there are no errors of any source. Warnings do not make an asset invalid. */
  valid: boolean;
  errors: Issue[];
  warnings: Issue[];
  /**
   * The Khronos validator's informational messages and hints, counted only; like `warnings`, exact
   * unless `khronos.truncated`. (`errors` is complete up to `maxIssues` either way.)
   */
  infoCount: number;
  hintCount: number;
  /** Null when the container could not be read, or the file was over `maxBytes`. */
  stats: GlbStats | null;
  /** Null when the validator did not run: it is skipped once a cheaper check has already failed. */
  khronos: { version: string; truncated: boolean } | null;
}
