/// <reference path="./gltf-validator.d.ts" />
import type { GLTF } from '@gltf-transform/core';
import type { ValidatorMessage } from 'gltf-validator';
import { assetIO } from './asset-io.ts';
import type { Issue, ValidationReport } from './validation-report.ts';

export interface GltfToGlbOptions {
  /** Messages the Khronos validator may list; at least 1. */
  maxIssues: number;
}

export type GltfToGlbResult = { ok: true; glb: Uint8Array } | { ok: false; report: ValidationReport };

/**
 * A self-contained `.gltf` (JSON with every buffer and image in a `data:` URI) as a GLB. The JSON goes
 * through the Khronos validator first, with no way to load anything outside it, then glTF-Transform
 * writes the GLB, which the caller validates again like any uploaded GLB. Refuse external URIs before
 * calling this (`sniffAsset` does). Extensions glTF-Transform does not know are dropped in the rewrite.
 */
export async function gltfToGlb(
  bytes: Uint8Array,
  json: Record<string, unknown>,
  options: Partial<GltfToGlbOptions> = {},
): Promise<GltfToGlbResult> {
  const maxIssues = Math.max(1, Math.floor(options.maxIssues ?? 100));
  try {
    const { validateBytes } = await import('gltf-validator');
    const report = await validateBytes(bytes, {
      format: 'gltf',
      maxIssues,
      writeTimestamp: false,
      externalResourceFunction: () => Promise.reject(new Error('external resources are not loaded')),
    });
    const errors = report.issues.messages.filter((m) => m.severity === 0).map(toIssue);
    if (errors.length > 0 || report.issues.numErrors > 0) {
      return {
        ok: false,
        report: {
          valid: false,
          errors,
          warnings: report.issues.messages.filter((m) => m.severity === 1).map(toIssue),
          infoCount: report.issues.numInfos,
          hintCount: report.issues.numHints,
          stats: null,
          khronos: { version: report.validatorVersion, truncated: report.issues.truncated },
        },
      };
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return failed({
      source: 'khronos',
      code: 'VALIDATOR_FAILED',
      message: `The Khronos validator could not check this asset (${detail}).`,
    });
  }
  try {
    const io = assetIO({});
    const document = await io.readJSON({ json: json as unknown as GLTF.IGLTF, resources: {} });
    return { ok: true, glb: await io.writeBinary(document) };
  } catch {
    return failed({
      source: 'container',
      code: 'GLTF_JSON_INVALID',
      message: 'The glTF JSON passed validation but could not be converted to GLB.',
    });
  }
}

function toIssue(message: ValidatorMessage): Issue {
  const issue: Issue = { source: 'khronos', code: message.code, message: message.message };
  if (message.pointer !== undefined) issue.pointer = message.pointer;
  return issue;
}

function failed(issue: Issue): GltfToGlbResult {
  return {
    ok: false,
    report: {
      valid: false,
      errors: [issue],
      warnings: [],
      infoCount: 0,
      hintCount: 0,
      stats: null,
      khronos: null,
    },
  };
}
