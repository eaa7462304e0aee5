export * from './asset-metadata.ts';
export * from './errors.ts';
export { INSPECT_ASSET_DEFAULTS, type InspectAssetOptions, inspectAsset } from './inspect-asset.ts';
export { VALIDATE_GLB_DEFAULTS, type ValidateGlbOptions, validateGlb } from './validate-glb.ts';
export * from './validation-report.ts';
