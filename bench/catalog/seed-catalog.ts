import { randomBytes, randomUUID } from 'node:crypto';
import type Pg from 'pg';
import { type AssetType, assetTypes, categoriesByType } from '../../packages/contracts/src/index.ts';
import { tagsByPopularity, vocabulary } from './vocabulary.ts';

export interface SeedOptions {
  rows: number;
  uploadedBy: string | null;
  /** The same seed gives the same names, keys, tags and proportions (ids and hashes stay random). */
  seed: number;
  batchSize: number;
}

export const SEED_DEFAULTS: SeedOptions = {
  rows: 100_000,
  uploadedBy: null,
  seed: 20261122,
  batchSize: 5_000,
};

export interface SeedReport {
  rows: number;
  keys: number;
  active: number;
  seconds: number;
}

/** mulberry32: small, fast and good enough to make a catalog look random yet repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function weightedPicker<T>(items: readonly T[], weights: readonly number[]): (random: Random) => T {
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  const cumulative = weights.map((w) => (sum += w / total));
  return (random) => {
    const r = random();
    const index = cumulative.findIndex((c) => r < c);
    return items[index === -1 ? items.length - 1 : index]!;
  };
}

const pickType = weightedPicker(
  assetTypes,
  assetTypes.map((t) => vocabulary[t].weight),
);
// Zipf-like: the most popular tag is on about a third of the assets, the least on well under 1%.
const pickTag = weightedPicker(
  tagsByPopularity,
  tagsByPopularity.map((_, rank) => 1 / (rank + 1)),
);
/** 55% of keys have one version, 7% have four. */
const pickVersionCount = weightedPicker([1, 2, 3, 4], [55, 25, 13, 7]);
const pickStatus = weightedPicker(['active', 'deprecated', 'processing', 'failed'], [90, 6, 2, 2]);
const versionNames = ['1.0.0', '1.1.0', '1.2.0', '2.0.0'];

function tagsFor(random: Random): string[] {
  const count = 1 + Math.floor(random() * 5);
  const tags = new Set<string>();
  while (tags.size < count) tags.add(pickTag(random));
  return [...tags];
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A plausible inspect report: list rows read its triangle count, get-by-id returns all of it. */
function metadataFor(random: Random, type: AssetType, name: string, fileSize: number): string {
  const triangles = 500 + Math.floor(random() * 40_000);
  const rigged = type === 'base_model' || type === 'animation';
  const bones = ['Hips', 'Spine', 'Chest', 'Neck', 'Head', 'LeftArm', 'RightArm', 'LeftLeg', 'RightLeg'];
  const materials = 1 + Math.floor(random() * 3);
  return JSON.stringify({
    byteLength: fileSize,
    generator: 'Khronos glTF Blender I/O v4.2.70',
    extensionsUsed: ['KHR_materials_emissive_strength', 'KHR_texture_transform'],
    extensionsRequired: [],
    counts: {
      scenes: 1,
      nodes: rigged ? bones.length + 2 : 2,
      meshes: 1,
      primitives: materials,
      materials,
      textures: materials * 2,
      skins: rigged ? 1 : 0,
      animations: type === 'animation' ? 1 : 0,
      morphedMeshes: 0,
    },
    geometry: {
      vertices: Math.round(triangles * 0.6),
      triangles,
      trianglesByMode: { triangles, strips: 0, fans: 0 },
      points: 0,
      lines: 0,
    },
    bounds: { min: [-0.4, 0, -0.2], max: [0.4, 1.8, 0.2], size: [0.8, 1.8, 0.4], center: [0, 0.9, 0] },
    materials: Array.from({ length: materials }, (_, i) => ({
      name: `${name} ${i + 1}`,
      alphaMode: 'OPAQUE',
      doubleSided: false,
    })),
    textures: Array.from({ length: materials * 2 }, (_, i) => ({
      name: `${slug(name)}_${i % 2 ? 'normal' : 'albedo'}`,
      mimeType: 'image/png',
      width: 1024,
      height: 1024,
      byteLength: 200_000 + Math.floor(random() * 600_000),
    })),
    skins: rigged ? [{ name: 'Armature', jointCount: bones.length, jointNames: bones }] : [],
    animations:
      type === 'animation' ? [{ name: slug(name), channelCount: 27, start: 0, end: 1.2, duration: 1.2 }] : [],
    morphTargets: [],
    nodeNames: rigged ? ['Armature', ...bones, 'Mesh'] : ['Root', 'Mesh'],
    sockets: [],
  });
}

const columns = [
  ['id', 'uuid'],
  ['asset_type', 'text'],
  ['name', 'text'],
  ['key', 'text'],
  ['category', 'text'],
  ['tags', 'text'],
  ['version', 'text'],
  ['version_major', 'int'],
  ['version_minor', 'int'],
  ['version_patch', 'int'],
  ['file_size', 'bigint'],
  ['mime_type', 'text'],
  ['sha256', 'text'],
  ['storage_key', 'text'],
  ['thumbnail_key', 'text'],
  ['metadata', 'text'],
  ['status', 'text'],
  ['created_at', 'timestamptz'],
] as const;
type Column = (typeof columns)[number][0];
type Batch = Record<Column, unknown[]>;

const emptyBatch = (): Batch => Object.fromEntries(columns.map(([name]) => [name, []])) as unknown as Batch;

// One statement per batch: every column travels as one array parameter and `unnest` turns them back
// into rows, so 100,000 rows are 20 round trips. Tags travel comma-joined (no tag contains a comma).
const insertSql = `insert into asset_catalog (${columns.map(([n]) => n).join(', ')}, updated_at, uploaded_by)
  select ${columns.map(([n]) => (n === 'tags' ? `string_to_array(${n}, ',')` : n === 'metadata' ? `${n}::jsonb` : n)).join(', ')}, created_at, $${columns.length + 1}::uuid
  from unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
    as t(${columns.map(([n]) => n).join(', ')})`;

interface PlannedRow {
  type: AssetType;
  category: string;
  name: string;
  key: string;
  tags: string;
  version: string;
  status: string;
  createdAt: number;
  /** Seeds the row's own details, drawn when it is written. */
  detailSeed: number;
}

/** Keys created over two years, each later version within a few weeks of the one before. */
function planRows(random: Random, rows: number): { planned: PlannedRow[]; keys: number } {
  const now = Date.now();
  const day = 86_400_000;
  const planned: PlannedRow[] = [];
  let keys = 0;
  while (planned.length < rows) {
    const type = pickType(random);
    const vocab = vocabulary[type];
    const category = pick(random, categoriesByType[type]);
    const name = `${pick(random, vocab.modifiers)} ${pick(random, vocab.items[category]!)}`;
    keys += 1;
    const key = `${slug(type)}/${slug(name)}-${keys}`;
    const tags = tagsFor(random).join(',');
    const versions = Math.min(pickVersionCount(random), rows - planned.length);
    let createdAt = now - random() * 730 * day;
    for (let v = 0; v < versions; v++) {
      const version = versionNames[v]!;
      const status = pickStatus(random);
      const detailSeed = Math.floor(random() * 2 ** 32);
      planned.push({ type, category, name, key, tags, version, status, createdAt, detailSeed });
      createdAt = Math.min(now, createdAt + random() * 30 * day);
    }
  }
  return { planned, keys };
}

function rowOf(p: PlannedRow): Record<Column, unknown> {
  const random = prng(p.detailSeed);
  const id = randomUUID();
  const [major, minor, patch] = p.version.split('.').map(Number);
  const fileSize = Math.round(50_000 + random() ** 2 * 8_000_000);
  const base = `assets/${p.type}/${p.category}/${p.version}/${id}`;
  return {
    id,
    asset_type: p.type,
    name: p.name,
    key: p.key,
    category: p.category,
    tags: p.tags,
    version: p.version,
    version_major: major,
    version_minor: minor,
    version_patch: patch,
    file_size: fileSize,
    mime_type: 'model/gltf-binary',
    sha256: randomBytes(32).toString('hex'),
    storage_key: `${base}.glb`,
    thumbnail_key: random() < 0.95 ? `${base}.thumb.png` : null,
    metadata: metadataFor(random, p.type, p.name, fileSize),
    status: p.status,
    created_at: new Date(p.createdAt).toISOString(),
  };
}

/**
 * Writes `rows` catalog rows (keys with one to four versions each) in the order they were created, as
 * a table that grew over time lies on disk (the planner's correlation statistics depend on it), then
 * VACUUM ANALYZE.
 */
export async function seedCatalog(client: Pg.ClientBase, options: Partial<SeedOptions> = {}) {
  const { rows, uploadedBy, seed, batchSize } = { ...SEED_DEFAULTS, ...options };
  const started = performance.now();
  const { planned, keys } = planRows(prng(seed), rows);
  planned.sort((a, b) => a.createdAt - b.createdAt);
  // Building an index once is much faster than updating it row by row (the GIN ones above all): drop
  // the plain indexes for the load and recreate them from their own definitions, as the migration made them.
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `select indexname as name, indexdef as definition from pg_indexes
     where schemaname = current_schema() and tablename = 'asset_catalog'
       and indexname not in (select conname from pg_constraint where conrelid = 'asset_catalog'::regclass)`,
  );
  for (const index of indexes) await client.query(`drop index ${quoteIdent(index.name)}`);
  for (let from = 0; from < planned.length; from += batchSize) {
    const batch = emptyBatch();
    for (const p of planned.slice(from, from + batchSize)) {
      const row = rowOf(p);
      for (const [column] of columns) batch[column].push(row[column]);
    }
    await client.query(insertSql, [...columns.map(([name]) => batch[name]), uploadedBy]);
  }
  for (const index of indexes) await client.query(index.definition);
  // A settled table: fresh statistics, a visibility map for index-only scans, an empty GIN pending list.
  await client.query('vacuum (analyze) asset_catalog');
  const report: SeedReport = {
    rows: planned.length,
    keys,
    active: planned.filter((p) => p.status === 'active').length,
    seconds: (performance.now() - started) / 1000,
  };
  return report;
}
