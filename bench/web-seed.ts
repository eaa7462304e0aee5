/**
 * The web benchmark's world: embedded PostgreSQL, local storage, the real server (API, workers, the built
 * web app) in its own process, an admin and a player, and the player's saved avatar made of four GLBs
 * uploaded through `POST /resources/upload` and processed by the server's own jobs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../apps/server/src/config/config.ts';
import { createDatabase } from '../apps/server/src/db/database.ts';
import { startEmbeddedPostgres } from '../apps/server/src/db/embedded-postgres.ts';
import { migrateToLatest } from '../apps/server/src/db/migrate.ts';
import * as auth from '../apps/server/src/modules/auth/auth.service.ts';
import { FIXTURES } from '../packages/asset-core/test/fixtures-dir.ts';
import type { AssetMetadata } from '../packages/contracts/src/asset-metadata.ts';
import { socketChoicesFor } from '../packages/contracts/src/avatars.ts';
import { freePort, signIn, type Teardown } from './harness.ts';
import { startServerProcess } from './server-process.ts';

/** RobotExpressive (skinned, morph targets) with Box hair, the knight as a top and a Box hat. */
export const AVATAR = {
  base: { fixture: 'RobotExpressive', type: 'base_model', category: 'robot' },
  parts: [
    { slot: 'hair', fixture: 'Box', type: 'hair', category: 'short' },
    { slot: 'top', fixture: 'chr_knight', type: 'top', category: 'fantasy' },
    { slot: 'accessory', fixture: 'Box', type: 'accessory', category: 'headwear' },
  ],
} as const;

export const PASSWORD = 'bench-password-0123';
export const PLAYER = 'player@web.bench.test';
export const ADMIN = 'admin@web.bench.test';

export interface WebWorld {
  origin: string;
  /** Slot (or `base`) -> the socket the saved config puts it at, from the base's metadata. */
  sockets: Record<string, string | null>;
  /** Slot (or `base`) -> asset id. */
  ids: Record<string, string>;
}

/**
 * The same GLB with a marker in `asset.extras`: the catalog refuses the same bytes twice (409), and the
 * avatar wears the Box fixture twice. Written by hand: only the JSON chunk changes, re-padded to 4 bytes.
 */
function withMarker(glb: Uint8Array, marker: string): Uint8Array {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const jsonLength = view.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + jsonLength)));
  json.asset = { ...json.asset, extras: { ...json.asset?.extras, bench: marker } };
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = new Uint8Array(Math.ceil(text.length / 4) * 4).fill(0x20);
  padded.set(text);
  const rest = glb.subarray(20 + jsonLength);
  const out = new Uint8Array(20 + padded.length + rest.length);
  const head = new DataView(out.buffer);
  head.setUint32(0, 0x46546c67, true);
  head.setUint32(4, 2, true);
  head.setUint32(8, out.length, true);
  head.setUint32(12, padded.length, true);
  head.setUint32(16, 0x4e4f534a, true);
  out.set(padded, 20);
  out.set(rest, 20 + padded.length);
  return out;
}

export async function startWebWorld(
  webDist: string,
  teardown: Teardown,
  log: (line: string) => void,
): Promise<WebWorld> {
  const root = mkdtempSync(path.join(tmpdir(), 'avatar-web-bench-'));
  teardown.defer('remove temp dir', () => rmSync(root, { recursive: true, force: true }));
  log('web: starting embedded PostgreSQL');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(root, 'pg'),
    port: await freePort(),
    persistent: false,
  });
  teardown.defer('stop PostgreSQL', () => postgres.stop());
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: origin,
    DATABASE_URL: postgres.url,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    ASSET_STORAGE_MODE: 'local',
    LOCAL_ASSETS_PATH: path.join(root, 'assets'),
    WEB_DIST: webDist,
    // One render page: the processing jobs' thumbnails must not compete with the browser measured.
    RENDER_POOL_SIZE: '1',
  };
  const config = parseConfig(env);
  const db = createDatabase({ url: config.DATABASE_URL, poolMax: 2 });
  await migrateToLatest(db);
  await auth.createUser({ config, db }, { email: ADMIN, password: PASSWORD, role: 'admin' });
  await auth.createUser({ config, db }, { email: PLAYER, password: PASSWORD, role: 'player' });
  await db.destroy();

  log('web: starting the server process (API, workers, built web app)');
  const server = await startServerProcess(env);
  teardown.defer('stop server', () => server.stop());

  const adminToken = await signIn(origin, ADMIN, PASSWORD);
  const call = async (token: string, method: string, route: string, body?: unknown) => {
    const res = await fetch(`${origin}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  log('web: uploading the base model and three parts');
  const ids: Record<string, string> = {};
  for (const asset of [AVATAR.base, ...AVATAR.parts]) {
    const slot = 'slot' in asset ? asset.slot : 'base';
    const bytes = withMarker(readFileSync(new URL(`${asset.fixture}.glb`, FIXTURES)), slot);
    const form = new FormData();
    form.append('type', asset.type);
    form.append('category', asset.category);
    form.append('name', `${asset.fixture} (${slot})`);
    form.append('key', `bench/${slot}`);
    form.append('file', new Blob([bytes]), `${asset.fixture}.glb`);
    const res = await fetch(`${origin}/resources/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
      body: form,
    });
    const json = (await res.json()) as { id: string };
    if (res.status !== 201)
      throw new Error(`upload of ${asset.fixture}: ${res.status} ${JSON.stringify(json)}`);
    ids[slot] = json.id;
  }

  log('web: waiting for processing (optimized variants, metadata)');
  const deadline = Date.now() + 180_000;
  const rows: Record<string, Record<string, unknown>> = {};
  for (const [slot, id] of Object.entries(ids)) {
    for (;;) {
      const row = await call(adminToken, 'GET', `/resources/catalog/${id}`);
      if (row.status === 'active') {
        rows[slot] = row;
        break;
      }
      if (row.status === 'failed' || Date.now() > deadline)
        throw new Error(`${slot} did not finish processing: ${JSON.stringify(row.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const playerToken = await signIn(origin, PLAYER, PASSWORD);
  await call(playerToken, 'PUT', '/api/v1/character/config', {
    modelAssetId: ids.base,
    parts: { hair: ids.hair, top: ids.top, accessories: [ids.accessory] },
  });
  // Where the editor will put each part: the socket table shared by the editor and the export composer.
  const metadata = rows.base?.metadata as Pick<AssetMetadata, 'sockets'> | undefined;
  const sockets: Record<string, string | null> = {};
  for (const part of AVATAR.parts) {
    const slot = part.slot === 'accessory' ? 'accessories' : part.slot;
    const choice = socketChoicesFor(slot, part.category).find((c) =>
      metadata?.sockets.some((s) => s.role === c.role && (!c.side || s.side === c.side)),
    );
    sockets[part.slot] =
      metadata?.sockets.find((s) => s.role === choice?.role && (!choice?.side || s.side === choice.side))
        ?.name ?? null;
  }
  return { origin, sockets, ids };
}
