import { readFileSync } from 'node:fs';
import type { TestApp } from '../../../test/helpers/app.ts';
import { FIXTURES, seedAsset } from '../../../test/helpers/catalog.ts';
import type { AssetRow, NewAssetRow } from '../../db/tables.ts';

export type Fixture = 'Box' | 'CesiumMan' | 'Fox' | 'RobotExpressive' | 'chr_knight';

/** A catalog row whose object really is in storage: one of the shared fixture GLBs. */
export async function seedFixtureAsset(
  app: TestApp,
  fixture: Fixture,
  overrides: Partial<NewAssetRow> & { asset_type: string; category: string },
): Promise<AssetRow> {
  const row = await seedAsset(app.database.db, { name: fixture, ...overrides });
  await app.storage.put(row.storage_key, readFileSync(new URL(`${fixture}.glb`, FIXTURES)), {
    contentType: 'model/gltf-binary',
  });
  return row;
}

/**
 * Requests as a signed-in user. One retry on ECONNRESET: on a loaded machine the client can reuse a
 * keep-alive socket in the instant the server closes it for idleness (Node's 5 s keepAliveTimeout), and
 * the request never reaches the server.
 */
export function api(app: TestApp, token: string) {
  return async (method: string, path: string, body?: unknown, init: RequestInit = {}) => {
    const send = () =>
      fetch(`${app.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        ...init,
      });
    try {
      return await send();
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNRESET' || init.signal?.aborted) throw error;
      return send();
    }
  };
}
