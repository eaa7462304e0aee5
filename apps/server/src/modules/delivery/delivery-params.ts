import { type DeliveryParamName, deliveryParams, deliverySignatureParams } from '@avatar/contracts';
import { AppError } from '../../http/errors.ts';

export interface DeliveryParams {
  quality: 'low' | 'medium' | 'high';
  /** Fraction of the quality preset's triangles kept: 1, 0.5 or 0.25. */
  lod: 0 | 1 | 2;
  textureSizeLimit: number | null;
  textureAtlas: number | null;
  /** 'all', or the names kept (sorted, deduplicated; empty for none). */
  morphTargets: 'all' | string[];
  meshCompression: 'none' | 'meshopt' | 'draco';
  textureFormat: 'original' | 'webp' | 'ktx2';
  pose: { kind: 'bind' } | { kind: 'animation'; animation: string; seconds: number } | null;
}

export const DEFAULT_DELIVERY_PARAMS: Readonly<DeliveryParams> = Object.freeze({
  quality: 'medium',
  lod: 0,
  textureSizeLimit: null,
  textureAtlas: null,
  morphTargets: 'all',
  meshCompression: 'none',
  textureFormat: 'original',
  pose: null,
});

const NAMES = Object.keys(deliveryParams) as DeliveryParamName[];
const ACCEPTED = new Set<string>([...NAMES, ...deliverySignatureParams]);
const MORPH_NAME = /^[^,]{1,64}$/;
const POSE = /^(.{1,128})@(\d{1,5}(?:\.\d{1,6})?)$/;

/** The parameter list as a client reads it in an error: `quality=low|medium|high; lod=0|1|2; ...`. */
function validList(): string {
  return NAMES.map((name) => `${name}=${deliveryParams[name].join('|')}`).join('; ');
}

function refuse(message: string): AppError {
  return new AppError('BAD_REQUEST', 'VALIDATION_FAILED', `${message}. Valid parameters: ${validList()}`, {
    details: { validParameters: deliveryParams },
  });
}

function oneOf<T extends string>(name: DeliveryParamName, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw refuse(`${name} must be one of ${allowed.join(', ')}, not "${value.slice(0, 40)}"`);
  }
  return value as T;
}

/**
 * Reads the query of a delivery URL: every parameter optional, each at most once, unknown ones refused
 * with the list of valid ones. `ktx2` parses; the service refuses it (422) while no encoder is present.
 */
export function parseDeliveryQuery(query: Record<string, unknown>): DeliveryParams {
  const unknown = Object.keys(query).filter((name) => !ACCEPTED.has(name));
  if (unknown.length > 0) {
    throw refuse(
      `Unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n.slice(0, 40)}"`).join(', ')}`,
    );
  }
  const params: DeliveryParams = { ...DEFAULT_DELIVERY_PARAMS };
  for (const name of NAMES) {
    const raw = query[name];
    if (raw === undefined) continue;
    if (typeof raw !== 'string') throw refuse(`${name} may be given once`);
    switch (name) {
      case 'quality':
        params.quality = oneOf(name, raw, ['low', 'medium', 'high']);
        break;
      case 'lod':
        params.lod = Number(oneOf(name, raw, ['0', '1', '2'])) as 0 | 1 | 2;
        break;
      case 'textureSizeLimit':
        params.textureSizeLimit = Number(oneOf(name, raw, ['256', '512', '1024', '2048']));
        break;
      case 'textureAtlas': {
        const value = oneOf(name, raw, ['none', '256', '512', '1024', '2048']);
        params.textureAtlas = value === 'none' ? null : Number(value);
        break;
      }
      case 'morphTargets':
        params.morphTargets = morphTargets(raw);
        break;
      case 'meshCompression':
        params.meshCompression = oneOf(name, raw, ['none', 'meshopt', 'draco']);
        break;
      case 'textureFormat':
        params.textureFormat = oneOf(name, raw, ['original', 'webp', 'ktx2']);
        break;
      case 'pose':
        params.pose = pose(raw);
        break;
    }
  }
  return params;
}

function morphTargets(raw: string): DeliveryParams['morphTargets'] {
  if (raw === 'all') return 'all';
  if (raw === 'none') return [];
  const names = raw.split(',').map((n) => n.trim());
  if (names.length > 64 || names.some((n) => !MORPH_NAME.test(n))) {
    throw refuse('morphTargets must be none, all or a comma-separated list of up to 64 target names');
  }
  return [...new Set(names)].sort();
}

function pose(raw: string): DeliveryParams['pose'] {
  if (raw === 'bind') return { kind: 'bind' };
  const match = POSE.exec(raw);
  if (!match) throw refuse('pose must be bind or <animation name>@<seconds>, such as Walking@0.5');
  return { kind: 'animation', animation: match[1]!, seconds: Number(match[2]) };
}

/** One string per distinct output: parameters in a fixed order, defaults included. Part of the cache key. */
export function normalizeParams(p: DeliveryParams): string {
  return JSON.stringify([
    p.quality,
    p.lod,
    p.textureSizeLimit,
    p.textureAtlas,
    p.morphTargets,
    p.meshCompression,
    p.textureFormat,
    p.pose,
  ]);
}

/** The parameters back as a query string, defaults left out (for URLs the server mints). */
export function toQuery(p: DeliveryParams): URLSearchParams {
  const q = new URLSearchParams();
  const d = DEFAULT_DELIVERY_PARAMS;
  if (p.quality !== d.quality) q.set('quality', p.quality);
  if (p.lod !== d.lod) q.set('lod', String(p.lod));
  if (p.textureSizeLimit !== null) q.set('textureSizeLimit', String(p.textureSizeLimit));
  if (p.textureAtlas !== null) q.set('textureAtlas', String(p.textureAtlas));
  if (p.morphTargets !== 'all')
    q.set('morphTargets', p.morphTargets.length ? p.morphTargets.join(',') : 'none');
  if (p.meshCompression !== d.meshCompression) q.set('meshCompression', p.meshCompression);
  if (p.textureFormat !== d.textureFormat) q.set('textureFormat', p.textureFormat);
  if (p.pose) q.set('pose', p.pose.kind === 'bind' ? 'bind' : `${p.pose.animation}@${p.pose.seconds}`);
  return q;
}
