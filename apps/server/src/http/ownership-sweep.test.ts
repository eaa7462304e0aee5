import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import { json } from '../../test/helpers/http.ts';
import { createApp } from '../app.ts';
import { api } from '../modules/avatars/avatars.test-support.ts';
import { FIELDS, fixture, freshKey } from '../modules/uploads/uploads.test-support.ts';
import { createLogger } from './logger.ts';
import {
  type Answer,
  callRest,
  callTrpc,
  parameterisedRoutes,
  routerProcedures,
  withoutRequestIds,
} from './router-sweep.test-support.ts';

/**
 * Object-level authorization, generated from the router: every procedure whose input has an id is either
 * swept here (another user's id answers exactly like a missing one, and changes nothing) or on SHARED with a
 * reason. A new procedure with an id fails the first test until someone decides which it is.
 */

/** A's objects, by the kind of id a procedure takes. */
interface OwnedIds {
  exportId: string;
  uploadId: string;
}

/** Owner-only procedures: who calls them (a second player, or a second admin) and the input naming A's ids. */
const OWNER_ONLY: Record<
  string,
  { as: 'player' | 'admin'; input: (ids: OwnedIds) => Record<string, unknown> }
> = {
  'exports.status': { as: 'player', input: (ids) => ({ id: ids.exportId }) },
  'exports.onStatus': { as: 'player', input: (ids) => ({ id: ids.exportId }) },
  // A pending direct upload belongs to the admin who started it: another admin must not publish its file.
  'uploads.complete': {
    as: 'admin',
    input: (ids) => ({ uploadId: ids.uploadId, ...FIELDS, key: freshKey('sweep') }),
  },
};

const CATALOG =
  'catalog assets are shared: every player reads active (and by id deprecated) ones, and a hidden one is 404 to players as if absent (catalog.read.test.ts)';
const ADMIN_WIDE =
  'admin-only (403 to players: the admin sweep in security.test.ts); admins manage every one';
/** Procedures whose ids name shared things, not owned ones. Keep it short; say why for each. */
const SHARED: Record<string, string> = {
  'catalog.list': `uploadedBy filters the shared catalog by uploader; ${CATALOG}`,
  'catalog.search': `uploadedBy filters the shared catalog by uploader; ${CATALOG}`,
  'catalog.byId': CATALOG,
  'catalog.versions': CATALOG,
  'catalog.diff': CATALOG,
  'uploads.assetUrl': `the file of a catalog asset; ${CATALOG}`,
  'avatars.saveConfig': `the ids are catalog assets put on the caller's own avatar; ${CATALOG}`,
  'render.create': `subject.assetId is a catalog asset (the avatar subject is always the caller's own); ${CATALOG}`,
  'catalog.update': ADMIN_WIDE,
  'catalog.deprecate': ADMIN_WIDE,
  'catalog.createVersion': ADMIN_WIDE,
  'users.setRole': ADMIN_WIDE,
};

/** Plain Express routes with a parameter: each is swept below, or says why it needs no sweep. */
const ROUTES: Record<string, string> = {
  '/avatars/:file': 'swept: another user’s signature does not open a private avatar',
  '/files/*key': 'swept: another user’s file link does not open an export',
  '/resources/upload/direct/:uploadId': 'swept: another admin’s upload link does not write to an upload',
};

type User = { token: string; id: string };
let app: TestApp;
let playerA: User;
let playerB: User;
let adminA: User;
let adminB: User;
let owned: OwnedIds;
let exportA: { downloadUrl: string };
let deliveryA: { publicId: string; signedUrl: string };
let before: Awaited<ReturnType<typeof readAsOwner>>;
let keyedExportA: string;
const foxBytes = fixture('Fox.glb');

/** An async export sent with one fixed Idempotency-Key, whoever sends it. */
const exportWithKey = (token: string) =>
  fetch(`${app.baseUrl}/api/v1/avatar/export`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': 'sweep-1',
    },
    body: JSON.stringify({ format: 'glb', async: true }),
  });
const procedures = routerProcedures();
const procedure = (name: string) => procedures.find((p) => p.name === name)!;

/** What A sees of A's own things; compared before and after the sweep. Signed URLs change each call. */
async function readAsOwner() {
  const call = api(app, playerA.token);
  const config = await json(await call('GET', '/api/v1/character/config'));
  const status = await json(await call('GET', `/api/v1/avatar/export/status?id=${owned.exportId}`));
  const list = await json(await call('GET', '/api/v1/avatar/exports'));
  const delivery = await json(await call('GET', '/api/v1/character/delivery'));
  const pending = await app.database.db
    .selectFrom('pending_uploads')
    .select(['id', 'created_by', 'expected_size'])
    .where('id', '=', owned.uploadId)
    .executeTakeFirst();
  return {
    config: { ...config, glbUrl: undefined, resolved: undefined },
    status: { ...status, downloadUrl: undefined },
    list: list.items.map((e: { id: string; status: string }) => `${e.id}:${e.status}`),
    delivery,
    pending,
    incoming: await app.storage.head(`incoming/${owned.uploadId}.bin`),
  };
}

beforeAll(async () => {
  app = await startTestApp();
  [playerA, playerB, adminA, adminB] = await Promise.all([
    app.userWithToken('player'),
    app.userWithToken('player'),
    app.userWithToken('admin'),
    app.userWithToken('admin'),
  ]);
  const asA = api(app, playerA.token);
  const saved = await asA('PUT', '/api/v1/character/config', { colors: { Skin: '#aa7755' } });
  expect(saved.status).toBe(200);
  const exported = await asA('POST', '/api/v1/avatar/export', { format: 'glb' });
  expect(exported.status).toBe(200);
  const exportBody = await json(exported);
  expect(exportBody.status).toBe('completed');
  exportA = exportBody;
  keyedExportA = (await json(await exportWithKey(playerA.token))).id;
  const privately = await asA('PUT', '/api/v1/character/delivery/private', { private: true });
  expect(privately.status).toBe(200);
  const signed = await json(await asA('POST', '/api/v1/character/delivery/signed-url', {}));
  deliveryA = { publicId: (await json(privately)).publicId, signedUrl: signed.url };

  const started = await json(
    await api(app, adminA.token)('POST', '/resources/upload/init', { size: foxBytes.length }),
  );
  const put = await fetch(started.url, { method: 'PUT', headers: started.headers, body: foxBytes });
  expect(put.status).toBe(200);
  owned = { exportId: exportBody.id, uploadId: started.uploadId };
  before = await readAsOwner();
});
afterAll(() => app?.close());

/** The error code in a REST body, a tRPC body, or a subscription's error event. */
const codeOf = (answer: Answer) =>
  answer.body?.error?.data?.code ?? answer.body?.data?.code ?? answer.body?.code;

describe('object-level authorization sweep, generated from the router', () => {
  it('every procedure that takes an id is swept as owner-only or listed as shared, with a reason', () => {
    const withIds = procedures
      .filter((p) => p.access !== 'public' && p.idFields.length > 0)
      .map((p) => p.name);
    // The detector itself: it finds ids by name and by UUID format, nested and in unions.
    expect(procedure('render.create').idFields).toEqual(['subject.assetId']);
    expect(procedure('avatars.saveConfig').idFields).toContain('parts.accessories[]');
    const classified = [...Object.keys(OWNER_ONLY), ...Object.keys(SHARED)];
    expect(
      withIds.filter((name) => !classified.includes(name)),
      'procedures with an id that are neither swept (OWNER_ONLY) nor on the SHARED list',
    ).toEqual([]);
    expect(
      classified.filter((name) => !withIds.includes(name)),
      'listed procedures that no longer exist or take no id',
    ).toEqual([]);
    for (const [name, { as }] of Object.entries(OWNER_ONLY)) {
      expect(procedure(name).access, `${name} is swept with the right kind of user`).toBe(
        as === 'admin' ? 'admin' : 'authed',
      );
    }
  });

  it("another user's id answers 404 exactly like a missing id, over tRPC and REST", async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const [name, entry] of Object.entries(OWNER_ONLY)) {
      const p = procedure(name);
      const token = (entry.as === 'admin' ? adminB : playerB).token;
      const missing = entry.input({ exportId: randomUUID(), uploadId: randomUUID() });
      for (const transport of p.def.meta?.openapi ? ['trpc', 'rest'] : ['trpc']) {
        const call = (input: Record<string, unknown>) =>
          transport === 'rest'
            ? callRest(app.baseUrl, token, p, input)
            : callTrpc(app.baseUrl, token, p, input);
        const theirs = await call(entry.input(owned));
        const absent = await call(missing);
        answers.push(
          `${name} ${transport}: ${theirs.status} ${codeOf(theirs)} | ${absent.status} ${codeOf(absent)}`,
        );
        expected.push(`${name} ${transport}: 404 NOT_FOUND | 404 NOT_FOUND`);
        expect(
          withoutRequestIds(theirs.body),
          `${name} over ${transport}: "not yours" = "not found"`,
        ).toEqual(withoutRequestIds(absent.body));
      }
    }
    expect(answers).toEqual(expected);
  });

  it('the swept reads do reach A’s objects when A asks (the 404 is about who asks)', async () => {
    for (const [name, entry] of Object.entries(OWNER_ONLY)) {
      const p = procedure(name);
      if (p.def.type === 'mutation') continue; // A's own mutation runs in the last test
      const answer = await callTrpc(app.baseUrl, playerA.token, p, entry.input(owned));
      expect(answer.status, name).toBe(200);
      expect(JSON.stringify(answer.body)).toContain(owned.exportId);
    }
  });

  it('procedures without ids answer the caller’s own objects only', async () => {
    const asB = api(app, playerB.token);
    const list = await json(await asB('GET', '/api/v1/avatar/exports'));
    expect(list.items.map((e: { id: string }) => e.id)).not.toContain(owned.exportId);
    expect((await json(await asB('GET', '/api/v1/character/config'))).colors).toEqual({});
    expect((await json(await asB('GET', '/api/v1/character/delivery'))).publicId).not.toBe(
      deliveryA.publicId,
    );
  });

  it('an Idempotency-Key is per user: B reusing A’s key gets B’s own export, not A’s', async () => {
    const second = await exportWithKey(playerB.token);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const theirs = await json(second);
    expect(theirs.id).not.toBe(keyedExportA);
    const asB = api(app, playerB.token);
    expect((await asB('GET', `/api/v1/avatar/export/status?id=${theirs.id}`)).status).toBe(200);
  });
});

describe('owner-scoped routes outside tRPC', () => {
  it('every parameterised route is swept here or says why not', () => {
    const express = createApp({
      config: app.config,
      db: app.database.db,
      logger: createLogger('silent'),
      storage: app.storage,
      jobs: app.jobs,
    });
    expect(parameterisedRoutes(express)).toEqual(Object.keys(ROUTES).sort());
  });

  it('a file link of B’s does not open A’s export file; it answers like a link to no file', async () => {
    const mine = await json(
      await api(app, playerB.token)('POST', '/api/v1/avatar/export', { format: 'glb' }),
    );
    const signedForB = new URL(mine.downloadUrl).search;
    const theirs = await fetch(`${app.baseUrl}${new URL(exportA.downloadUrl).pathname}${signedForB}`, {
      headers: { authorization: `Bearer ${playerB.token}` },
    });
    const nowhere = await fetch(`${app.baseUrl}/files/exports/${randomUUID()}.glb${signedForB}`);
    expect([theirs.status, nowhere.status]).toEqual([403, 403]);
    expect(withoutRequestIds(await json(theirs))).toEqual(withoutRequestIds(await json(nowhere)));
    const own = await fetch(exportA.downloadUrl);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('model/gltf-binary');
  });

  it('B’s delivery signature does not open A’s private avatar, session or not', async () => {
    const signedForB = new URL(
      (await json(await api(app, playerB.token)('POST', '/api/v1/character/delivery/signed-url', {}))).url,
    ).search;
    const url = `${app.baseUrl}/avatars/${deliveryA.publicId}.glb${signedForB}`;
    const withSession = await fetch(url, { headers: { authorization: `Bearer ${playerB.token}` } });
    const forged = await fetch(url.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`));
    expect([withSession.status, forged.status]).toEqual([403, 403]);
    // B's session and B's valid signature give B nothing a forger without either does not get.
    expect(withoutRequestIds(await json(withSession))).toEqual(withoutRequestIds(await json(forged)));
    const own = await fetch(deliveryA.signedUrl);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('model/gltf-binary');
  });

  it('B’s upload link does not write to A’s pending upload; it answers like a link to no upload', async () => {
    const started = await json(
      await api(app, adminB.token)('POST', '/resources/upload/init', { size: foxBytes.length }),
    );
    const signedForB = new URL(started.url).search;
    const other = new Uint8Array(foxBytes.length).fill(7);
    const put = (uploadId: string) =>
      fetch(`${app.baseUrl}/resources/upload/direct/${uploadId}${signedForB}`, {
        method: 'PUT',
        headers: started.headers,
        body: other,
      });
    const theirs = await put(owned.uploadId);
    const nowhere = await put(randomUUID());
    expect([theirs.status, nowhere.status]).toEqual([403, 403]);
    expect(withoutRequestIds(await json(theirs))).toEqual(withoutRequestIds(await json(nowhere)));
  });
});

describe('after the sweep', () => {
  it('A’s objects are unchanged, and A can still finish what A started', async () => {
    expect(await readAsOwner()).toEqual(before);
    const done = await api(app, adminA.token)('POST', '/resources/upload/complete', {
      uploadId: owned.uploadId,
      ...FIELDS,
      key: freshKey('sweep-owner'),
    });
    expect(done.status).toBe(200);
    const asset = await json(done);
    expect(asset.uploadedBy).toBe(adminA.id);
    expect(asset.sha256).toBe(createHash('sha256').update(foxBytes).digest('hex'));
  });
});
