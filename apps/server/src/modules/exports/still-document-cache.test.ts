import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readGlb, toGlb } from '@avatar/asset-core';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/helpers/catalog.ts';
import type { AssetRow } from '../../db/tables.ts';
import { createStorage } from '../../storage/create-storage.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import type { AvatarForExport } from '../avatars/avatars.service.ts';
import { composeExport } from './compose-export.ts';
import type { RenderedConverter } from './render-converters.ts';
import { StillDocumentCache } from './still-document-cache.ts';

const fixture = (name: string) => readFileSync(new URL(`${name}.glb`, FIXTURES));

describe('StillDocumentCache', () => {
  it('answers a copy of its own on every get: changing one leaves the next untouched', async () => {
    const cache = new StillDocumentCache();
    const box = await readGlb(new Uint8Array(fixture('Box')));
    const first = cache.put('box', box, 1664);
    first.getRoot().listNodes()[0]!.setTranslation([5, 5, 5]);
    first.getRoot().listMeshes()[0]!.dispose();
    const second = cache.get('box')!;
    expect(second).not.toBe(box);
    expect(second.getRoot().listMeshes()).toHaveLength(1);
    expect(second.getRoot().listNodes()[0]!.getTranslation()).toEqual(
      box.getRoot().listNodes()[0]!.getTranslation(),
    );
    expect(cache.get('other')).toBeNull();
  });

  it('lets the least recently used objects go past its size', async () => {
    const cache = new StillDocumentCache({ maxBytes: 2_500 });
    const doc = () => readGlb(new Uint8Array(fixture('Box')));
    cache.put('a', await doc(), 1_000);
    cache.put('b', await doc(), 1_000);
    expect(cache.get('a')).not.toBeNull(); // now b is the least recent
    cache.put('c', await doc(), 1_000);
    expect([cache.get('a') !== null, cache.get('b') !== null, cache.get('c') !== null]).toEqual([
      true,
      false,
      true,
    ]);
    cache.put('huge', await doc(), 3_000); // larger than the whole cache: answered, not kept
    expect(cache.get('huge')).toBeNull();
    expect(cache.size).toBe(2);
  });
});

describe('composeExport for a still image', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'still-export-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const storage = createStorage({
    mode: 'local',
    root,
    publicBaseUrl: 'http://127.0.0.1:1',
    signingSecret: 'still-document-cache-test-secret',
  });
  /** Keys whose bytes were read, in order. */
  const reads: string[] = [];
  const counted: AssetStorage = Object.create(storage, {
    get: {
      value: async (key: string) => {
        const object = await storage.get(key);
        reads.push(key);
        return object;
      },
    },
  });
  // A drawn format as the pipeline sees it, writing the GLB the render page would be handed.
  const drawn: RenderedConverter = {
    extension: 'png',
    contentType: 'image/png',
    needsRender: true,
    convert: (document) => toGlb(document),
  };
  const deps = { storage: counted, logger: pino({ level: 'silent' }) };

  async function seed(name: string, key: string): Promise<AssetRow> {
    await storage.put(key, fixture(name), { contentType: 'model/gltf-binary' });
    return { id: name, storage_key: key, sha256: null, category: 'creature' } as unknown as AssetRow;
  }

  it('reads each object once, without its animations, and composes the same avatar every time', async () => {
    const fox = await seed('Fox', 'assets/base_model/creature/1.0.0/fox-still.glb');
    const hat = await seed('Box', 'assets/accessory/headwear/1.0.0/hat-still.glb');
    const avatar: AvatarForExport = {
      model: fox,
      parts: [{ slot: 'accessories', row: { ...hat, category: 'headwear' } }],
      colors: {},
      morphs: {},
    };
    const input = { avatar, format: 'png' as const, quality: 'low' as const, converter: drawn };

    const first = await composeExport(deps, input);
    const second = await composeExport(deps, input);

    expect(reads.filter((key) => key === fox.storage_key)).toHaveLength(1);
    expect(reads.filter((key) => key === hat.storage_key)).toHaveLength(1);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    const drawnDoc = await readGlb(second.bytes);
    expect(drawnDoc.getRoot().listAnimations()).toEqual([]);
    expect(drawnDoc.getRoot().listSkins()).toHaveLength(1);
    // The whole avatar, unsimplified: a still image's quality is its size, not a triangle budget.
    expect(second.triangles).toBe(3_552 + 12);

    // A variant made since (the upload pipeline's low one) is used from then on.
    await storage.put('assets/base_model/creature/1.0.0/fox-still.low.glb', fixture('Box'), {
      contentType: 'model/gltf-binary',
    });
    expect((await composeExport(deps, input)).triangles).toBe(12 + 12);
  });

  it('keeps the posed clip, read afresh, when the image asks for a pose', async () => {
    const fox = await seed('Fox', 'assets/base_model/creature/1.0.0/fox-posed.glb');
    const avatar: AvatarForExport = { model: fox, parts: [], colors: {}, morphs: {} };
    const input = { avatar, format: 'png' as const, quality: 'low' as const, converter: drawn };
    const pose = { animation: 'Armature|Take 001|BaseLayer', time: 0.5 };
    const posed = await composeExport(deps, { ...input, options: { pose } });
    expect(
      (await readGlb(posed.bytes))
        .getRoot()
        .listAnimations()
        .map((a) => a.getName()),
    ).toEqual([pose.animation]);
    await composeExport(deps, input);
    await composeExport(deps, { ...input, options: { pose } });
    expect(reads.filter((key) => key === fox.storage_key)).toHaveLength(3);
  });
});
