import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStorageError, failingStream, patternStream, readAll, sha256 } from './storage.test-streams.ts';
import type { AssetStorage } from './storage.types.ts';

export interface ContractTarget {
  storage: AssetStorage;
  close(): Promise<void>;
  /** False for a server that accepts any signature (s3rver skips SigV4 checks); those tests then skip. */
  verifiesSignatures?: boolean;
}

/** Builds the driver under test; `now` is its signing clock, which the suite moves to mint expired URLs. */
export type ContractFactory = (now: () => number) => Promise<ContractTarget>;

const MiB = 1024 * 1024;

/** Flips one character of whichever signature parameter the driver's URL carries. */
function tamper(url: string): string {
  const parsed = new URL(url);
  for (const name of ['sig', 'X-Amz-Signature']) {
    const value = parsed.searchParams.get(name);
    if (value) parsed.searchParams.set(name, (value[0] === 'A' ? 'B' : 'A') + value.slice(1));
  }
  return parsed.toString();
}

/** The behaviour every AssetStorage driver must share; each driver's test file calls this once. */
export function storageContract(name: string, factory: ContractFactory): void {
  describe(`AssetStorage contract: ${name}`, () => {
    let clockOffsetMs = 0;
    let target: ContractTarget;
    let storage: AssetStorage;
    // A fresh namespace per run: a shared MinIO bucket may hold other runs' objects.
    const run = randomUUID();
    const k = (rest: string) => `test/${run}/${rest}`;
    const asset = (rest: string) => `assets/test/${run}/${rest}`;

    beforeAll(async () => {
      target = await factory(() => Date.now() + clockOffsetMs);
      storage = target.storage;
    });
    afterAll(async () => {
      if (!target) return;
      // Leaves a shared bucket as it was found; doubles as a list-everything-then-delete check.
      for (const prefix of [`test/${run}/`, `assets/test/${run}/`]) {
        for (let page = await storage.list(prefix); ; ) {
          for (const item of page.items) await storage.delete(item.key);
          if (!page.nextCursor) break;
          page = await storage.list(prefix, { cursor: page.nextCursor });
        }
        expect((await storage.list(prefix)).items).toEqual([]);
      }
      await target.close();
    });

    it('is ready', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('round-trips bytes, content type and sha256', async () => {
      const bytes = Buffer.from('hello, storage');
      const put = await storage.put(k('hello.txt'), bytes, { contentType: 'text/plain' });
      expect(put).toMatchObject({ key: k('hello.txt'), size: bytes.length, sha256: sha256(bytes) });
      expect(put.etag).not.toBe('');

      const got = await storage.get(k('hello.txt'));
      expect(await readAll(got.stream)).toEqual(bytes);
      expect(got).toMatchObject({ size: bytes.length, contentType: 'text/plain', etag: put.etag });
      expect(got.contentRange).toBeUndefined();

      const head = await storage.head(k('hello.txt'));
      expect(head).toMatchObject({ size: bytes.length, contentType: 'text/plain', etag: put.etag });
      expect(head?.sha256).toBe(sha256(bytes));
      expect(head?.lastModified).toBeInstanceOf(Date);
    });

    it('streams a multi-MiB body in and out, hashing it on the way', async () => {
      const size = 12 * MiB + 123;
      const expected = createHash('sha256');
      for await (const chunk of patternStream(size)) expected.update(chunk as Buffer);
      const put = await storage.put(k('big.bin'), patternStream(size), {
        contentType: 'application/octet-stream',
      });
      expect(put).toMatchObject({ size, sha256: expected.digest('hex') });

      const got = await storage.get(k('big.bin'));
      expect(got.size).toBe(size);
      const hash = createHash('sha256');
      for await (const chunk of got.stream) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(put.sha256);
    });

    it('replaces an object written twice under one key', async () => {
      await storage.put(k('twice.txt'), Buffer.from('first version'), { contentType: 'text/plain' });
      const second = await storage.put(k('twice.txt'), Buffer.from('second'), { contentType: 'text/plain' });
      expect((await readAll((await storage.get(k('twice.txt'))).stream)).toString()).toBe('second');
      expect(await storage.head(k('twice.txt'))).toMatchObject({ size: 6, sha256: second.sha256 });
    });

    it('stores nothing when the bytes do not match the announced sha256 or size', async () => {
      const bytes = Buffer.from('checked bytes');
      await expectStorageError(
        storage.put(k('bad-sha.txt'), bytes, { contentType: 'text/plain', sha256: sha256(Buffer.from('x')) }),
        'CHECKSUM_MISMATCH',
      );
      await expectStorageError(
        storage.put(k('bad-size.txt'), Readable.from([bytes]), { contentType: 'text/plain', size: 3 }),
        'CHECKSUM_MISMATCH',
      );
      expect(await storage.head(k('bad-sha.txt'))).toBeNull();
      expect(await storage.head(k('bad-size.txt'))).toBeNull();
      const ok = await storage.put(k('good-sha.txt'), Readable.from([bytes]), {
        contentType: 'text/plain',
        sha256: sha256(bytes),
        size: bytes.length,
      });
      expect(ok.sha256).toBe(sha256(bytes));
    });

    it('rethrows a failing source stream as is and keeps nothing', async () => {
      const boom = new Error('client went away');
      const failed = storage.put(k('broken.bin'), failingStream(6 * MiB, boom), {
        contentType: 'model/gltf-binary',
      });
      await expect(failed).rejects.toBe(boom);
      expect(await storage.head(k('broken.bin'))).toBeNull();
    });

    it('serves byte ranges', async () => {
      const bytes = Buffer.from('0123456789');
      await storage.put(k('range.txt'), bytes, { contentType: 'text/plain' });
      const mid = await storage.get(k('range.txt'), { range: { start: 2, end: 5 } });
      expect((await readAll(mid.stream)).toString()).toBe('2345');
      expect(mid).toMatchObject({ size: 4, contentRange: { start: 2, end: 5, total: 10 } });

      const tail = await storage.get(k('range.txt'), { range: { start: 7 } });
      expect((await readAll(tail.stream)).toString()).toBe('789');
      expect(tail.contentRange).toEqual({ start: 7, end: 9, total: 10 });

      const clamped = await storage.get(k('range.txt'), { range: { start: 8, end: 100 } });
      expect((await readAll(clamped.stream)).toString()).toBe('89');

      await expectStorageError(storage.get(k('range.txt'), { range: { start: 10 } }), 'INVALID_RANGE');
      await expectStorageError(storage.get(k('range.txt'), { range: { start: 5, end: 2 } }), 'INVALID_RANGE');
    });

    it('reports a missing object as null from head and NOT_FOUND from get', async () => {
      expect(await storage.head(k('missing.bin'))).toBeNull();
      const error = await expectStorageError(storage.get(k('missing.bin')), 'NOT_FOUND');
      expect(error.message).toBe('The file was not found');
    });

    it('deletes idempotently', async () => {
      await storage.put(k('gone.txt'), Buffer.from('x'), { contentType: 'text/plain' });
      await storage.delete(k('gone.txt'));
      expect(await storage.head(k('gone.txt'))).toBeNull();
      await expect(storage.delete(k('gone.txt'))).resolves.toBeUndefined();
      await expect(storage.delete(k('never-was/there.txt'))).resolves.toBeUndefined();
    });

    it('copies an object with its content type', async () => {
      const bytes = Buffer.from('copy me');
      await storage.put(k('copy-src.glb'), bytes, { contentType: 'model/gltf-binary' });
      const info = await storage.copy(k('copy-src.glb'), k('copied/dst.glb'));
      expect(info).toMatchObject({
        key: k('copied/dst.glb'),
        size: bytes.length,
        contentType: 'model/gltf-binary',
      });
      expect(await readAll((await storage.get(k('copied/dst.glb'))).stream)).toEqual(bytes);
      expect(await storage.head(k('copy-src.glb'))).not.toBeNull();
      await expectStorageError(storage.copy(k('no-such-src.glb'), k('dst2.glb')), 'NOT_FOUND');
    });

    it('lists a prefix page by page', async () => {
      const inside = Array.from({ length: 7 }, (_, i) => k(`list/p/item-${i}.bin`)).concat(
        k('list/p/deeper/z.bin'),
      );
      const outside = [k('list/p-sibling/a.bin'), k('list/q/b.bin')];
      for (const key of [...inside, ...outside])
        await storage.put(key, Buffer.from(key), { contentType: 'x/y' });

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await storage.list(k('list/p/'), { limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        for (const item of page.items) {
          expect(item.size).toBe(Buffer.byteLength(item.key));
          expect(item.lastModified).toBeInstanceOf(Date);
        }
        seen.push(...page.items.map((i) => i.key));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...inside].sort());
      expect((await storage.list(k('list/nothing-here/'))).items).toEqual([]);
    });

    it('refuses invalid keys before touching the storage', async () => {
      const bad = [
        '../etc/passwd',
        'a/../b',
        '/abs.glb',
        'a\\b.glb',
        'nul\u0000.glb',
        'a//b',
        '',
        'dir/',
        'a/./b',
      ];
      for (const key of bad) {
        await expectStorageError(storage.put(key, Buffer.from('x'), { contentType: 'x/y' }), 'INVALID_KEY');
        await expectStorageError(storage.get(key), 'INVALID_KEY');
        await expectStorageError(storage.head(key), 'INVALID_KEY');
        await expectStorageError(storage.delete(key), 'INVALID_KEY');
        await expectStorageError(storage.url(key), 'INVALID_KEY');
      }
    });

    describe('URLs over real HTTP', () => {
      const bytes = Buffer.from('glTF-not-really-but-bytes');
      beforeAll(async () => {
        await storage.put(asset('model.glb'), bytes, { contentType: 'model/gltf-binary' });
        await storage.put(k('private.glb'), bytes, { contentType: 'model/gltf-binary' });
      });

      it('returns the bytes, as immutable for published assets', async () => {
        const res = await fetch(await storage.url(asset('model.glb')));
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
        expect(res.headers.get('content-type')).toBe('model/gltf-binary');
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      });

      it('gives the same URL twice for an immutable object, so caches keep hitting', async () => {
        expect(await storage.url(asset('model.glb'))).toBe(await storage.url(asset('model.glb')));
      });

      it('answers Range with 206 and If-None-Match with 304', async () => {
        const url = await storage.url(k('private.glb'));
        const partial = await fetch(url, { headers: { Range: 'bytes=0-3' } });
        expect(partial.status).toBe(206);
        expect(partial.headers.get('content-range')).toBe(`bytes 0-3/${bytes.length}`);
        expect(Buffer.from(await partial.arrayBuffer())).toEqual(bytes.subarray(0, 4));

        const first = await fetch(url);
        const etag = first.headers.get('etag');
        await first.arrayBuffer();
        expect(etag).toMatch(/^"[^"]+"$/);
        const again = await fetch(url, { headers: { 'If-None-Match': etag ?? '' } });
        expect(again.status).toBe(304);
      });

      it('refuses a tampered signature with 403', async (ctx) => {
        if (target.verifiesSignatures === false) ctx.skip();
        const res = await fetch(tamper(await storage.url(k('private.glb'))));
        expect(res.status).toBe(403);
        await res.arrayBuffer();
      });

      it('refuses an expired URL with 403', async () => {
        clockOffsetMs = -2 * 3600 * 1000;
        const url = await storage.url(k('private.glb'), { expiresInSeconds: 60 });
        clockOffsetMs = 0;
        const res = await fetch(url);
        expect(res.status).toBe(403);
        await res.arrayBuffer();
      });
    });
  });
}
