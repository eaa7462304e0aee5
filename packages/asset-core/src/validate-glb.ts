/// <reference path="./gltf-validator.d.ts" />
import type { ValidatorMessage, ValidatorReport } from 'gltf-validator';
import { checkImageHeaders, checkValidatorImages } from './check-image-headers.ts';
import { findExternalResources, type GlbContainer, readGlbContainer } from './glb-container.ts';
import { KHRONOS_NON_ERROR_CODES } from './khronos-non-error-codes.ts';
import { measureGlb, type StatPointers } from './measure-glb.ts';
import type { GlbStats, Issue, LimitIssueCode, ValidationReport } from './validation-report.ts';
import { defaultsFor } from './with-defaults.ts';

/** Limits an avatar asset must stay within, and how much the Khronos validator may say. */
export interface ValidateGlbOptions {
  maxBytes: number;
  maxTriangles: number;
  maxVertices: number;
  maxNodes: number;
  maxMeshes: number;
  maxMaterials: number;
  /** Counted as images. */
  maxTextures: number;
  /** Longest side of any one image, in pixels. */
  maxTextureDimension: number;
  /**
   * Width x height of any one image, read from its header before anything decodes it; while it is
   * finite, an image whose header cannot be read is refused too, since nothing could check it.
   */
  maxImagePixels: number;
  maxSkins: number;
  /** Joints in any one skin. */
  maxJoints: number;
  maxAnimations: number;
  /** Morph targets on any one primitive. */
  maxMorphTargets: number;
  /** Messages the Khronos validator may list; the counts stay exact. At least 1. */
  maxIssues: number;
}

/**
 * Generous for one game-ready character or accessory, small enough that a browser renders a few of them
 * at once. Pass `Infinity` to lift one.
 */
export const VALIDATE_GLB_DEFAULTS: Readonly<ValidateGlbOptions> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxTriangles: 500_000,
  // Hard edges and UV seams split vertices, so a clean mesh can carry more vertices than triangles.
  maxVertices: 1_000_000,
  maxNodes: 4_096,
  maxMeshes: 512,
  maxMaterials: 64,
  maxTextures: 64,
  // The largest size WebGL2 guarantees on mobile GPUs (MAX_TEXTURE_SIZE is 4096 on many).
  maxTextureDimension: 4_096,
  // 64 MB as RGBA8 once decoded: what a 4096 px square texture costs, and what a decoder is allowed.
  maxImagePixels: 4_096 * 4_096,
  maxSkins: 16,
  // Common humanoid rigs have 20-100 joints; with fingers and face up to about 250.
  maxJoints: 256,
  maxAnimations: 256,
  // Three.js and Babylon.js both go slow or fall back to textures past a few dozen targets.
  maxMorphTargets: 128,
  maxIssues: 100,
});
const validateOptions = defaultsFor(VALIDATE_GLB_DEFAULTS);

type LimitOption = Exclude<keyof ValidateGlbOptions, 'maxIssues'>;
/** The limits checked once per image rather than against one statistic. */
type StatLimitOption = Exclude<LimitOption, 'maxImagePixels'>;

/**
 * Only the Khronos verdict, none of the structural limits (they are for uploads): for checking what the
 * server itself produced, such as a composed avatar.
 */
export const NO_STRUCTURAL_LIMITS: Readonly<ValidateGlbOptions> = Object.freeze({
  ...(Object.fromEntries(
    Object.keys(VALIDATE_GLB_DEFAULTS).map((key) => [key, Number.POSITIVE_INFINITY]),
  ) as Record<LimitOption, number>),
  maxIssues: 20,
});

const LIMITS: ReadonlyArray<{
  option: StatLimitOption;
  stat: keyof GlbStats;
  code: LimitIssueCode;
  label: string;
}> = [
  { option: 'maxBytes', stat: 'bytes', code: 'LIMIT_BYTES', label: 'The file is too large (bytes)' },
  { option: 'maxTriangles', stat: 'triangles', code: 'LIMIT_TRIANGLES', label: 'Too many triangles' },
  { option: 'maxVertices', stat: 'vertices', code: 'LIMIT_VERTICES', label: 'Too many vertices' },
  { option: 'maxNodes', stat: 'nodes', code: 'LIMIT_NODES', label: 'Too many nodes' },
  { option: 'maxMeshes', stat: 'meshes', code: 'LIMIT_MESHES', label: 'Too many meshes' },
  { option: 'maxMaterials', stat: 'materials', code: 'LIMIT_MATERIALS', label: 'Too many materials' },
  { option: 'maxTextures', stat: 'textures', code: 'LIMIT_TEXTURES', label: 'Too many texture images' },
  {
    option: 'maxTextureDimension',
    stat: 'maxTextureDimension',
    code: 'LIMIT_TEXTURE_DIMENSION',
    label: 'A texture is too large (pixels on its longest side)',
  },
  { option: 'maxSkins', stat: 'skins', code: 'LIMIT_SKINS', label: 'Too many skins' },
  { option: 'maxJoints', stat: 'maxJoints', code: 'LIMIT_JOINTS', label: 'A skin has too many joints' },
  { option: 'maxAnimations', stat: 'animations', code: 'LIMIT_ANIMATIONS', label: 'Too many animations' },
  {
    option: 'maxMorphTargets',
    stat: 'maxMorphTargets',
    code: 'LIMIT_MORPH_TARGETS',
    label: 'A mesh primitive has too many morph targets',
  },
];

/**
 * Decides whether bytes are a GLB we accept. Cheapest checks first: size, container, then limits counted
 * from the JSON; the Khronos validator (the costly step, several times a full parse) runs only when
 * those pass. Never throws: every failure, including an internal one, comes back as an error issue.
 * `container` is these bytes already read (`sniffAsset` answers it): the checks are the same, the JSON
 * is not parsed a second time.
 */
export async function validateGlb(
  bytes: Uint8Array,
  options: Partial<ValidateGlbOptions> = {},
  container?: GlbContainer,
): Promise<ValidationReport> {
  const opts = validateOptions(options);
  try {
    return await validate(bytes, opts, container);
  } catch {
    // Only a bug of ours gets here, and its message would mean nothing to the person uploading.
    const message = 'Validation stopped on an internal error; the asset could not be checked.';
    return report([{ source: 'khronos', code: 'VALIDATOR_FAILED', message }]);
  }
}

async function validate(
  bytes: Uint8Array,
  opts: ValidateGlbOptions,
  given: GlbContainer | undefined,
): Promise<ValidationReport> {
  // Before parsing anything, so an oversized upload costs no more than its length.
  if (bytes.byteLength > opts.maxBytes) {
    return report([
      limitIssue('LIMIT_BYTES', 'The file is too large (bytes)', bytes.byteLength, opts.maxBytes),
    ]);
  }
  let container = given;
  if (!container) {
    const read = readGlbContainer(bytes);
    if (!read.ok) return report([{ source: 'container', ...read.issue }]);
    container = read.container;
  }

  const errors: Issue[] = findExternalResources(container.json).map((pointer) => ({
    source: 'container',
    code: 'GLB_EXTERNAL_RESOURCE',
    message: 'The asset refers to a file outside the GLB; embed every buffer and image in it.',
    pointer,
  }));
  const { stats, pointers, images } = measureGlb(container, bytes.byteLength);
  errors.push(...checkLimits(stats, pointers, opts), ...checkImageHeaders(images, opts));
  if (errors.length > 0) return report(errors, { stats });

  try {
    // Imported on first use: 300 kB of compiled Dart that a browser bundle can load as its own chunk.
    // A named import, not the default one: only Node's CommonJS entry has a default export; bundlers
    // pick the package's `module` entry (module.mjs), which has named exports only.
    validatorModule ??= import('gltf-validator');
    // Awaited only until it has loaded: on a small file even that one turn of the queue shows.
    validator ??= await validatorModule;
    const { validateBytes } = validator;
    // format is explicit: left to detect it, the validator throws on some malformed files.
    const base = {
      format: 'glb',
      maxIssues: Math.max(1, Math.floor(opts.maxIssues)),
      writeTimestamp: false,
    } as const;
    const listing = await validateBytes(bytes, base);
    // The validator reads every image header with a parser of its own: whatever it saw is held to the
    // same limits, so an image only one of the two readers understands cannot slip through.
    const imageIssues = checkValidatorImages(listing.info, opts);
    // The validator counts only the messages it keeps: once infos and warnings fill maxIssues, later
    // errors vanish from the counts too, and an invalid file reads as valid. A second pass that keeps
    // errors alone settles the verdict; it costs a second validation only for files this noisy.
    const errorPass = listing.issues.truncated
      ? await validateBytes(bytes, { ...base, ignoredIssues: [...KHRONOS_NON_ERROR_CODES] })
      : listing;
    const verdict = fromKhronos(listing, errorPass, stats);
    if (imageIssues.length === 0) return verdict;
    return { ...verdict, valid: false, errors: [...imageIssues, ...verdict.errors] };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const failure: Issue = {
      source: 'khronos',
      code: 'VALIDATOR_FAILED',
      message: `The Khronos validator could not check this asset (${detail}).`,
    };
    return report([failure], { stats });
  }
}

/** Warnings and counts from the full listing; errors from the pass that cannot have lost any. */
function fromKhronos(
  listing: ValidatorReport,
  errorPass: ValidatorReport,
  stats: GlbStats,
): ValidationReport {
  const errors = errorPass.issues.messages.filter((m) => m.severity === 0).map(toIssue);
  const warnings = listing.issues.messages.filter((m) => m.severity === 1).map(toIssue);
  return {
    valid: errors.length === 0,
    errors,
    warnings,
    infoCount: listing.issues.numInfos,
    hintCount: listing.issues.numHints,
    stats,
    khronos: { version: listing.validatorVersion, truncated: listing.issues.truncated },
  };
}

function toIssue(message: ValidatorMessage): Issue {
  const issue: Issue = { source: 'khronos', code: message.code, message: message.message };
  if (message.pointer !== undefined) issue.pointer = message.pointer;
  if (message.offset !== undefined) issue.offset = message.offset;
  return issue;
}

/**
 * The validator's module, imported once: a dynamic import is resolved again on every call (a round trip
 * through the loader hooks under a TypeScript loader), which cost more than validating a small file.
 */
let validatorModule: Promise<typeof import('gltf-validator')> | undefined;
let validator: typeof import('gltf-validator') | undefined;

function checkLimits(stats: GlbStats, pointers: StatPointers, opts: ValidateGlbOptions): Issue[] {
  const issues: Issue[] = [];
  for (const { option, stat, code, label } of LIMITS) {
    if (stats[stat] <= opts[option]) continue;
    const issue = limitIssue(code, label, stats[stat], opts[option]);
    const pointer = pointers[stat as keyof StatPointers];
    if (pointer !== undefined) issue.pointer = pointer;
    issues.push(issue);
  }
  return issues;
}

function limitIssue(code: LimitIssueCode, label: string, actual: number, max: number): Issue {
  return { source: 'limit', code, message: `${label}: ${actual}, the limit is ${max}.` };
}

function report(errors: Issue[], rest: { stats?: GlbStats } = {}): ValidationReport {
  return {
    valid: errors.length === 0,
    errors,
    warnings: [],
    infoCount: 0,
    hintCount: 0,
    stats: rest.stats ?? null,
    khronos: null,
  };
}
