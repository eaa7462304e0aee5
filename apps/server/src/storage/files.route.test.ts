import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTarget, startLocalTarget, TEST_SIGNING_SECRET } from './storage.test-support.ts';
import { signFileUrl } from './url-signing.ts';

describe('files route (local driver)', () => {
  let target: LocalTarget;
  const bytes = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  const assetKey = 'assets/hair/short/1.0.0/h1.glb';
  const exportKey = 'exports/u1/e1.png';

  beforeAll(async () => {
    target = await startLocalTarget();
    await target.driver.put(assetKey, bytes, { contentType: 'model/gltf-binary' });
    await target.driver.put(exportKey, bytes, { contentType: 'image/png' });
  });
  afterAll(() => target.close());

  const urlFor = (key: string, expiresInSeconds?: number) =>
    target.driver.url(key, expiresInSeconds ? { expiresInSeconds } : {});

  it('serves a signed file with length, type, strong ETag and security headers', async () => {
    const res = await fetch(await urlFor(assetKey));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-type')).toBe('model/gltf-binary');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('caches private files privately, no longer than the link lives', async () => {
    const res = await fetch(await urlFor(exportKey, 120));
    await res.arrayBuffer();
    const match = /^private, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '');
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThanOrEqual(120);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await fetch(await urlFor(assetKey), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves suffix and open ranges, and 416 past the end', async () => {
    const url = await urlFor(assetKey);
    const suffix = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe('bytes 23-25/26');
    expect(await suffix.text()).toBe('xyz');

    const open = await fetch(url, { headers: { Range: 'bytes=20-' } });
    expect(open.status).toBe(206);
    expect(await open.text()).toBe('uvwxyz');

    const past = await fetch(url, { headers: { Range: 'bytes=26-30' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */26');
    await past.arrayBuffer();

    const multi = await fetch(url, { headers: { Range: 'bytes=0-1,4-5' } });
    expect(multi.status).toBe(200);
    await multi.arrayBuffer();
  });

  it('ignores Range when If-Range names another version', async () => {
    const res = await fetch(await urlFor(assetKey), {
      headers: { Range: 'bytes=0-1', 'If-Range': '"stale"' },
    });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(bytes.length);
  });

  it('answers 304 to a weak or listed If-None-Match', async () => {
    const url = await urlFor(assetKey);
    const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag') ?? '';
    const listed = await fetch(url, { headers: { 'If-None-Match': `"other", W/${etag}` } });
    expect(listed.status).toBe(304);
    expect(listed.headers.get('etag')).toBe(etag);
    const changed = await fetch(url, { headers: { 'If-None-Match': '"other"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it('refuses bad signatures with a JSON 403 body', async () => {
    const good = new URL(await urlFor(exportKey));
    const cases = [
      new URL(good.pathname, good), // no signature at all
      new URL(`${good.pathname}?exp=${good.searchParams.get('exp')}&sig=nope`, good),
      new URL(`${good.pathname.replace('e1.png', 'e2.png')}${good.search}`, good), // another key's signature
      new URL(
        `${good.pathname}?exp=${Number(good.searchParams.get('exp')) + 1}&sig=${good.searchParams.get('sig')}`,
        good,
      ),
    ];
    for (const url of cases) {
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        code: 'FORBIDDEN',
        message: 'This file link is not valid',
      });
    }
  });

  it('says when a link has expired', async () => {
    const exp = Math.floor(Date.now() / 1000) - 5;
    const sig = signFileUrl(TEST_SIGNING_SECRET, exportKey, exp);
    const res = await fetch(`${target.baseUrl}/files/${exportKey}?exp=${exp}&sig=${sig}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 'FORBIDDEN', message: 'This file link has expired' });
  });

  it('answers 404 for a validly signed link to a missing file', async () => {
    const res = await fetch(await urlFor('exports/u1/never.png'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'NOT_FOUND', message: 'The file was not found' });
  });

  it('answers 404 for a signed path that escapes the tree', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const key = 'exports/../../etc/passwd';
    const res = await fetch(
      `${target.baseUrl}/files/exports/%2E%2E/%2E%2E/etc/passwd?exp=${exp}&sig=${signFileUrl(TEST_SIGNING_SECRET, key, exp)}`,
    );
    expect([403, 404]).toContain(res.status);
    await res.arrayBuffer();
  });
});
