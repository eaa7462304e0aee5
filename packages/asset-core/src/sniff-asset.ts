import { type GlbContainer, isRecord, readGlbContainer, uint32At } from './glb-container.ts';
import { measureGlb } from './measure-glb.ts';
import type { Issue } from './validation-report.ts';
import { defaultsFor } from './with-defaults.ts';

/** Codes `sniffAsset` adds to the container ones (`containerIssueCodes`). */
export const sniffIssueCodes = ['GLTF_JSON_INVALID', 'LIMIT_DATA_URI_BYTES'] as const;

export interface SniffAssetOptions {
  /** Longest `data:` URI (its characters) a buffer or image may carry. */
  maxDataUriBytes: number;
}

export const SNIFF_ASSET_DEFAULTS: Readonly<SniffAssetOptions> = Object.freeze({
  maxDataUriBytes: 16 * 1024 * 1024,
});
const sniffOptions = defaultsFor(SNIFF_ASSET_DEFAULTS);

export type SniffResult =
  | {
      ok: true;
      format: 'glb' | 'gltf';
      json: Record<string, unknown>;
      /**
       * The GLB as read here (its JSON is `json`), null for glTF JSON: hand it to `validateGlb` and
       * `inspectAsset` so that neither parses the JSON chunk again. Read it, never change it.
       */
      container: GlbContainer | null;
    }
  | { ok: false; issues: Issue[] };

/**
 * What the bytes are, from the bytes alone (a file name or content type proves nothing): a GLB (magic,
 * version, chunk layout), a glTF JSON document, or neither. Also refuses what no later step should see:
 * a buffer or image whose `uri` points outside the file (the server never fetches one) and `data:` URIs
 * longer than `maxDataUriBytes`. Cheap: one JSON parse.
 */
export function sniffAsset(bytes: Uint8Array, options: Partial<SniffAssetOptions> = {}): SniffResult {
  const opts = sniffOptions(options);
  const document = parseDocument(bytes);
  if ('issue' in document) return { ok: false, issues: [document.issue] };
  const { format, json, container } = document;
  const issues = uriIssues(json, opts.maxDataUriBytes);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, format, json, container };
}

/**
 * True when the structure is sound enough to hand to glTF-Transform's reader before the Khronos validator
 * has finished: no limit is exceeded and the accessors cannot make the reader copy more than a few times
 * the file. (A reader exception then still means nothing until validation has spoken.)
 */
export function withinReadBudget(
  bytes: Uint8Array,
  json: Record<string, unknown>,
  limits: { maxTriangles: number; maxVertices: number; maxTextureDimension: number },
): boolean {
  const read = readGlbContainer(bytes);
  if (!read.ok) return false;
  const { stats } = measureGlb(read.container, bytes.byteLength);
  if (
    stats.triangles > limits.maxTriangles ||
    stats.vertices > limits.maxVertices ||
    stats.maxTextureDimension > limits.maxTextureDimension
  ) {
    return false;
  }
  let claimed = 0;
  for (const accessor of Array.isArray(json.accessors) ? json.accessors : []) {
    if (!isRecord(accessor)) return false;
    const count = accessor.count;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return false;
    claimed += count * 16 * 4; // a MAT4 of floats: the most one element can take
  }
  return claimed <= 8 * bytes.byteLength + 1024 * 1024;
}

const MAGIC_GLTF = 0x46546c67;

function parseDocument(
  bytes: Uint8Array,
):
  | { format: 'glb' | 'gltf'; json: Record<string, unknown>; container: GlbContainer | null }
  | { issue: Issue } {
  const startsWithMagic = bytes.byteLength >= 4 && uint32At(bytes, 0) === MAGIC_GLTF;
  if (startsWithMagic || !looksLikeJson(bytes)) {
    const read = readGlbContainer(bytes);
    if (!read.ok) return { issue: { source: 'container', ...read.issue } };
    return { format: 'glb', json: read.container.json, container: read.container };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { issue: gltfInvalid('The file starts like glTF JSON but is not valid UTF-8 JSON.') };
  }
  if (!isRecord(value) || !isRecord(value.asset) || typeof value.asset.version !== 'string') {
    return { issue: gltfInvalid('The JSON is not a glTF document: it has no "asset" with a "version".') };
  }
  return { format: 'gltf', json: value, container: null };
}

function gltfInvalid(message: string): Issue {
  return { source: 'container', code: 'GLTF_JSON_INVALID', message };
}

function uriIssues(json: Record<string, unknown>, maxDataUriBytes: number): Issue[] {
  const issues: Issue[] = [];
  addUriIssues(issues, 'buffers', json.buffers, maxDataUriBytes);
  addUriIssues(issues, 'images', json.images, maxDataUriBytes);
  return issues;
}

function addUriIssues(
  issues: Issue[],
  key: 'buffers' | 'images',
  list: unknown,
  maxDataUriBytes: number,
): void {
  if (!Array.isArray(list)) return;
  for (let index = 0; index < list.length; index++) {
    const item: unknown = list[index];
    const uri = isRecord(item) ? item.uri : undefined;
    if (typeof uri !== 'string') continue;
    const pointer = `/${key}/${index}`;
    if (!/^data:/i.test(uri)) {
      issues.push({
        source: 'container',
        code: 'GLB_EXTERNAL_RESOURCE',
        message: `${pointer} refers to a file outside the upload (${describeUri(uri)}); the server never fetches one. Embed every buffer and image.`,
        pointer,
      });
    } else if (uri.length > maxDataUriBytes) {
      issues.push({
        source: 'limit',
        code: 'LIMIT_DATA_URI_BYTES',
        message: `${pointer} embeds a data: URI of ${uri.length} characters, the limit is ${maxDataUriBytes}; store it in the GLB's binary chunk instead.`,
        pointer,
      });
    }
  }
}

/** The kind of address, never the whole of it: it is the uploader's text and goes back into a message. */
function describeUri(uri: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme) return `a ${scheme}: address`;
  if (uri.split(/[\\/]/).includes('..')) return 'a relative path that climbs out with ".."';
  return 'a relative path';
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x7b) return true; // '{'
    // whitespace or a UTF-8 byte-order mark may come first
    if (
      byte !== 0x20 &&
      byte !== 0x0a &&
      byte !== 0x0d &&
      byte !== 0x09 &&
      byte !== 0xef &&
      byte !== 0xbb &&
      byte !== 0xbf
    ) {
      return false;
    }
  }
  return false;
}
