import type { ContainerIssueCode } from './validation-report.ts';

// Values from the glTF 2.0 specification, section "Binary glTF Layout"; all little-endian.
const MAGIC_GLTF = 0x46546c67;
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;
const HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;

/** A GLB split into its parsed JSON and its binary chunk (a view into the input, not a copy). */
export interface GlbContainer {
  json: Record<string, unknown>;
  bin: Uint8Array | null;
}

export interface ContainerIssue {
  code: ContainerIssueCode;
  message: string;
  offset?: number;
}

export type ReadGlbContainerResult =
  | { ok: true; container: GlbContainer }
  | { ok: false; issue: ContainerIssue };

/**
 * Reads the GLB header and chunks without trusting any length in them. Cheap (one JSON.parse) and
 * written to give a person a sentence they can act on, which the Khronos validator's codes are not.
 */
export function readGlbContainer(bytes: Uint8Array): ReadGlbContainerResult {
  const size = bytes.byteLength;
  if (size === 0) return fail('GLB_EMPTY', 'The file is empty.');
  if (size < HEADER_BYTES) {
    return fail('GLB_TOO_SHORT', `The file is ${size} bytes, shorter than the 12-byte GLB header.`, 0);
  }

  if (uint32At(bytes, 0) !== MAGIC_GLTF) {
    return fail('GLB_BAD_MAGIC', looksLikeJson(bytes) ? GLTF_JSON_MESSAGE : NOT_GLB_MESSAGE, 0);
  }
  const version = uint32At(bytes, 4);
  if (version !== 2) {
    return fail('GLB_UNSUPPORTED_VERSION', `GLB version ${version} is not supported; only glTF 2.0 is.`, 4);
  }
  const declared = uint32At(bytes, 8);
  if (declared > size) {
    return fail(
      'GLB_TRUNCATED',
      `The file is truncated: its header declares ${declared} bytes but only ${size} are present.`,
      8,
    );
  }
  if (declared < size) {
    return fail(
      'GLB_LENGTH_MISMATCH',
      `The header declares ${declared} bytes but the file has ${size}; it may be corrupted.`,
      8,
    );
  }

  if (size < HEADER_BYTES + CHUNK_HEADER_BYTES || uint32At(bytes, 16) !== CHUNK_JSON) {
    return fail('GLB_JSON_CHUNK_MISSING', 'The GLB has no JSON chunk where the format requires one.', 12);
  }
  const jsonStart = HEADER_BYTES + CHUNK_HEADER_BYTES;
  const jsonLength = uint32At(bytes, 12);
  if (jsonStart + jsonLength > size) {
    return fail(
      'GLB_TRUNCATED',
      `The JSON chunk declares ${jsonLength} bytes but only ${size - jsonStart} remain in the file.`,
      12,
    );
  }
  const parsed = parseJsonChunk(bytes.subarray(jsonStart, jsonStart + jsonLength));
  if (typeof parsed === 'string') return fail('GLB_JSON_INVALID', parsed, jsonStart);

  // The spec allows chunks of unknown type after JSON; only a BIN chunk in second place means anything.
  const binHeader = jsonStart + jsonLength;
  let bin: Uint8Array | null = null;
  if (binHeader + CHUNK_HEADER_BYTES <= size && uint32At(bytes, binHeader + 4) === CHUNK_BIN) {
    const binStart = binHeader + CHUNK_HEADER_BYTES;
    const binLength = uint32At(bytes, binHeader);
    if (binStart + binLength > size) {
      return fail(
        'GLB_TRUNCATED',
        `The binary chunk declares ${binLength} bytes but only ${size - binStart} remain in the file.`,
        binHeader,
      );
    }
    bin = bytes.subarray(binStart, binStart + binLength);
  }
  return { ok: true, container: { json: parsed, bin } };
}

/** The little-endian 32-bit word at `offset`, read straight from the bytes (a DataView costs more to make). */
export function uint32At(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function fail(code: ContainerIssueCode, message: string, offset?: number): ReadGlbContainerResult {
  return { ok: false, issue: offset === undefined ? { code, message } : { code, message, offset } };
}

/**
 * JSON pointers of buffers and images whose `uri` is neither absent (GLB buffer, buffer view) nor a
 * data URI. Reading those would mean fetching arbitrary addresses on the server, so we refuse them.
 */
export function findExternalResources(json: Record<string, unknown>): string[] {
  const pointers: string[] = [];
  addExternal(pointers, 'buffers', json.buffers);
  addExternal(pointers, 'images', json.images);
  return pointers;
}

function addExternal(pointers: string[], key: 'buffers' | 'images', list: unknown): void {
  if (!Array.isArray(list)) return;
  for (let index = 0; index < list.length; index++) {
    const item: unknown = list[index];
    const uri = isRecord(item) ? item.uri : undefined;
    if (typeof uri === 'string' && !uri.startsWith('data:')) pointers.push(`/${key}/${index}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const GLTF_JSON_MESSAGE =
  'This is a .gltf JSON file, not a binary .glb. Export as .glb (glTF Binary) with everything embedded.';
const NOT_GLB_MESSAGE = "This is not a GLB file: it does not start with the bytes 'glTF'.";

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes.subarray(0, 64)) {
    if (byte === 0x7b) return true; // '{'
    if (
      byte !== 0x20 &&
      byte !== 0x0a &&
      byte !== 0x0d &&
      byte !== 0x09 &&
      byte !== 0xef &&
      byte !== 0xbb &&
      byte !== 0xbf
    ) {
      return false; // anything but whitespace or a UTF-8 byte-order mark before '{'
    }
  }
  return false;
}

/** One decoder for every call: a non-streaming `decode` keeps no state between calls. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The parsed object, or a message saying why there is none. */
function parseJsonChunk(chunk: Uint8Array): Record<string, unknown> | string {
  let text: string;
  try {
    text = utf8.decode(chunk);
  } catch {
    return 'The JSON chunk is not valid UTF-8 text.';
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? ` (${error.message})` : '';
    return `The JSON chunk is not valid JSON${detail}.`;
  }
  return isRecord(value) ? value : 'The JSON chunk must hold a JSON object.';
}
