import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../storage/local.driver.ts';
import { renderObjectKey } from './render.cache.ts';
import { sweepRenderCache } from './sweep-render-cache.ts';

describe('sweepRenderCache', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'avatar-render-sweep-'));
  const storage = new LocalDriver({
    root,
    publicBaseUrl: 'http://127.0.0.1:1',
    signingSecret: 'sweep-test-secret-0123',
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('removes cached renders past their age and nothing else', async () => {
    const cached = renderObjectKey('a'.repeat(64), 'png');
    const asset = 'assets/hair/short/1.0.0/x.thumb.png';
    for (const key of [cached, asset])
      await storage.put(key, Buffer.from('png'), { contentType: 'image/png', size: 3 });
    expect(await sweepRenderCache(storage)).toBe(0);
    expect(await storage.head(cached)).not.toBeNull();
    expect(await sweepRenderCache(storage, { now: Date.now() + 31 * 86_400_000 })).toBe(1);
    expect(await storage.head(cached)).toBeNull();
    expect(await storage.head(asset)).not.toBeNull();
  });
});
