import { NO_STRUCTURAL_LIMITS, readGlb, validateGlb } from '@avatar/asset-core';
import type { Document } from '@gltf-transform/core';
import { expect } from 'vitest';
import type { TestApp } from '../../../test/helpers/app.ts';
import { api, seedFixtureAsset } from '../avatars/avatars.test-support.ts';
import { loadDecoders } from '../uploads/codecs.ts';

/**
 * A player with RobotExpressive as base (skinned, 14 animations, morph targets on the head), Box hair at
 * the head, the knight (one palette texture) as a top and CesiumMan (a 1024 px JPEG) as a back accessory.
 */
export async function seedDeliveryAvatar(app: TestApp) {
  const user = await app.userWithToken('player');
  const call = api(app, user.token);
  const robot = await seedFixtureAsset(app, 'RobotExpressive', {
    asset_type: 'base_model',
    category: 'robot',
  });
  const hair = await seedFixtureAsset(app, 'Box', { asset_type: 'hair', category: 'short' });
  const top = await seedFixtureAsset(app, 'chr_knight', { asset_type: 'top', category: 'fantasy' });
  const cape = await seedFixtureAsset(app, 'CesiumMan', { asset_type: 'accessory', category: 'back' });
  const config = {
    modelAssetId: robot.id,
    parts: { hair: hair.id, top: top.id, accessories: [cape.id] },
    colors: { Main: '#3366ff' },
    morphs: { Surprised: 0.5 },
  };
  const res = await call('PUT', '/api/v1/character/config', config);
  expect(res.status).toBe(200);
  const info = await call('GET', '/api/v1/character/delivery');
  expect(info.status).toBe(200);
  const body = (await info.json()) as { publicId: string; url: string };
  return { user, call, config, publicId: body.publicId, url: body.url };
}

export interface Fetched {
  res: Response;
  bytes: Uint8Array;
}

export async function fetchGlb(url: string, init: RequestInit = {}): Promise<Fetched> {
  const res = await fetch(url, init);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Reads a delivered GLB back the way a client would, after the Khronos validator found no errors. */
export async function readDelivered(bytes: Uint8Array): Promise<Document> {
  const report = await validateGlb(bytes, NO_STRUCTURAL_LIMITS);
  expect(report.errors).toEqual([]);
  return readGlb(bytes, { dependencies: (await loadDecoders()).dependencies });
}

export function triangles(document: Document): number {
  let n = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const p of mesh.listPrimitives()) {
      n += Math.floor((p.getIndices()?.getCount() ?? p.getAttribute('POSITION')!.getCount()) / 3);
    }
  }
  return n;
}

export function targetNames(document: Document): string[] {
  return document
    .getRoot()
    .listMeshes()
    .filter((m) => m.listPrimitives().some((p) => p.listTargets().length > 0))
    .flatMap((m) => (m.getExtras().targetNames as string[] | undefined) ?? []);
}
