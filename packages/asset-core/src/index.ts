export * from './asset-metadata.ts';
export {
  type BakedMesh,
  type BakedPrimitive,
  bakePose,
  isPoseNotFoundError,
  PoseNotFoundError,
  type PoseRequest,
} from './bake-pose.ts';
export {
  buildFallbackAvatar,
  FALLBACK_AVATAR_DEFAULTS,
  FALLBACK_MATERIALS,
  type FallbackAvatarOptions,
} from './build-fallback-avatar.ts';
export { compactGlbJson, shortestFloat32 } from './compact-glb-json.ts';
export {
  type AvatarPart,
  COMPOSE_AVATAR_DEFAULTS,
  type ComposeAvatarOptions,
  type ComposeAvatarReport,
  type ComposedPart,
  composeAvatar,
  parseHexColor,
  type SocketSelector,
} from './compose-avatar.ts';
export {
  createFbxConverter,
  eulerXyzDegrees,
  fbxConverter,
  TO_FBX_DEFAULTS,
  type ToFbxOptions,
  toFbx,
} from './convert-fbx.ts';
export { type ObjResult, objConverter, TO_OBJ_DEFAULTS, type ToObjOptions, toObj } from './convert-obj.ts';
export {
  createSvgConverter,
  SVG_POLYGON_BUDGETS,
  type SvgCamera,
  type SvgResult,
  type TextureDecoder,
  TO_SVG_DEFAULTS,
  type ToSvgOptions,
  toSvg,
} from './convert-svg.ts';
export * from './errors.ts';
export type { ConvertOptions, ExportConverter } from './export-converter.ts';
export {
  type FilterMorphTargetsReport,
  filterMorphTargets,
} from './filter-morph-targets.ts';
export { type GltfToGlbOptions, type GltfToGlbResult, gltfToGlb } from './gltf-to-glb.ts';
export { INSPECT_ASSET_DEFAULTS, type InspectAssetOptions, inspectAsset } from './inspect-asset.ts';
export {
  type AssetQuality,
  assetQualities,
  type MakeQualityVariantOptions,
  makeQualityVariant,
  QUALITY_VARIANT_PRESETS,
} from './make-quality-variant.ts';
export { countDrawCalls, type MergeDrawCallsReport, mergeDrawCalls } from './merge-draw-calls.ts';
export { OPTIMIZE_ASSET_DEFAULTS, type OptimizeAssetOptions, optimizeAsset } from './optimize-asset.ts';
export { type AvatarPose, type PoseAvatarReport, poseAvatar } from './pose-avatar.ts';
export { QUALITY_PRESETS, type QualityLevel, type QualityPreset, qualityLevels } from './quality-presets.ts';
export { createGltfIO, type ReadGlbOptions, readGlb } from './read-glb.ts';
export {
  REDUCE_TO_QUALITY_DEFAULTS,
  type ReduceToQualityOptions,
  type ReduceToQualityReport,
  reduceToQuality,
} from './reduce-to-quality.ts';
export {
  SNIFF_ASSET_DEFAULTS,
  type SniffAssetOptions,
  type SniffResult,
  sniffAsset,
  sniffIssueCodes,
  withinReadBudget,
} from './sniff-asset.ts';
export {
  type AtlasImageCodec,
  type RgbaImage,
  TEXTURE_ATLAS_DEFAULTS,
  type TextureAtlasOptions,
  type TextureAtlasReport,
  textureAtlas,
} from './texture-atlas.ts';
export { glbConverter, type ToGlbOptions, toGlb } from './to-glb.ts';
export {
  NO_STRUCTURAL_LIMITS,
  VALIDATE_GLB_DEFAULTS,
  type ValidateGlbOptions,
  validateGlb,
} from './validate-glb.ts';
export * from './validation-report.ts';
