import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDriver } from './local.driver.ts';
import { storageContract } from './storage.contract.ts';
import { expectStorageError, failingStream, readAll, sha256 } from './storage.test-streams.ts';
import { type LocalTarget, startLocalTarget } from './storage.test-support.ts';

storageContract('local driver', async (now) => {
  const target = await startLocalTarget(now);
  return { storage: target.driver, close: target.close };
});

describe('local driver', () => {
  let target: LocalTarget;
  beforeAll(async () => {
    target = await startLocalTarget();
  });
  afterAll(() => target.close());

  const listTree = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String);

  it('leaves no final file and no temp file when the source fails half-way', async () => {
    const key = 'exports/u1/half.glb';
    await expect(
      target.driver.put(key, failingStream(2 * 1024 * 1024, new Error('upload aborted')), {
        contentType: 'model/gltf-binary',
      }),
    ).rejects.toThrow('upload aborted');
    expect(await listTree(join(target.root, 'tmp'))).toEqual([]);
    await expect(stat(join(target.root, 'objects', 'exports', 'u1', 'half.glb'))).rejects.toThrow();
    expect(await target.driver.head(key)).toBeNull();
  });

  it('leaves no final file when the writing process is killed mid-write', async () => {
    const root = await mkdtemp(join(tmpdir(), 'local-kill-'));
    // A real SIGKILL of a real process: no finally block, no error handler gets to run.
    const script = `
      const { LocalDriver } = await import(process.argv[1]);
      const { Readable } = await import('node:stream');
      const driver = new LocalDriver({ root: process.argv[2], publicBaseUrl: 'http://x', signingSecret: 'x'.repeat(32) });
      const endless = Readable.from((async function* () {
        for (let i = 0; ; i++) {
          yield Buffer.alloc(64 * 1024, i);
          if (i === 8) process.stdout.write('writing');
          await new Promise((r) => setTimeout(r, 5));
        }
      })());
      await driver.put('exports/u/killed.glb', endless, { contentType: 'model/gltf-binary' });`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
        fileURLToPath(new URL('./local.driver.ts', import.meta.url)),
        root,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const exited = once(child, 'exit').then(() => {
        throw new Error('the writer exited before it started writing');
      });
      await Promise.race([once(child.stdout, 'data'), exited]);
      exited.catch(() => {}); // its exit below is expected
      child.kill('SIGKILL');
      await exited.catch(() => {});
      const driver = new LocalDriver({ root, publicBaseUrl: 'http://x', signingSecret: 'x'.repeat(32) });
      expect(await driver.head('exports/u/killed.glb')).toBeNull();
      expect(await listTree(join(root, 'tmp'))).toHaveLength(1);
      expect(await driver.sweepTemp(-1)).toBe(1);
    } finally {
      child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps the previous version whole when an overwrite fails half-way', async () => {
    const key = 'exports/u1/keep.glb';
    const original = Buffer.from('the complete original');
    await target.driver.put(key, original, { contentType: 'model/gltf-binary' });
    await expect(
      target.driver.put(key, failingStream(1024 * 1024, new Error('cut')), {
        contentType: 'model/gltf-binary',
      }),
    ).rejects.toThrow('cut');
    expect(await readAll((await target.driver.get(key)).stream)).toEqual(original);
    expect((await target.driver.head(key))?.sha256).toBe(sha256(original));
  });

  it('derives metadata when the sidecar is lost or stale', async () => {
    const key = 'assets/hair/short/1.0.0/abc.glb';
    const bytes = Buffer.from('some glb bytes');
    await target.driver.put(key, bytes, { contentType: 'model/gltf-binary' });
    const metaPath = `${join(target.root, 'meta', ...key.split('/'))}.json`;

    await rm(metaPath);
    expect(await target.driver.head(key)).toMatchObject({
      contentType: 'model/gltf-binary',
      sha256: sha256(bytes),
    });

    // Same size, different bytes, sidecar left behind: as after a crash between the two renames.
    const objectPath = join(target.root, 'objects', ...key.split('/'));
    const other = Buffer.from('SOME GLB BYTES');
    await writeFile(objectPath, other);
    expect((await target.driver.head(key))?.sha256).toBe(sha256(other));
  });

  it('sweeps temp files left by an interrupted write, and only old ones', async () => {
    await target.driver.ping();
    const stale = join(target.root, 'tmp', 'crashed.part');
    const fresh = join(target.root, 'tmp', 'in-flight.part');
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'partial');
    const hourAgo = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(stale, hourAgo, hourAgo);
    expect(await target.driver.sweepTemp()).toBe(1);
    expect(await listTree(join(target.root, 'tmp'))).toEqual(['in-flight.part']);
    await rm(fresh);
  });

  it('reports a key that collides with a directory as missing on read and invalid on write', async () => {
    await target.driver.put('exports/u2/dir/file.png', Buffer.from('x'), { contentType: 'image/png' });
    expect(await target.driver.head('exports/u2/dir')).toBeNull();
    await expectStorageError(target.driver.get('exports/u2/dir/file.png/inner.png'), 'NOT_FOUND');
    await expectStorageError(
      target.driver.put('exports/u2/dir/file.png/inner.png', Buffer.from('y'), { contentType: 'image/png' }),
      'INVALID_KEY',
    );
    await expect(target.driver.delete('exports/u2/dir')).resolves.toBeUndefined();
  });

  // Needs a small file system to fill, e.g. `mount -t tmpfs -o size=1m tmpfs /mnt/full` and
  // STORAGE_TEST_FULL_DIR=/mnt/full; skipped otherwise.
  it.skipIf(!process.env.STORAGE_TEST_FULL_DIR)('reports a full disk as NO_SPACE and cleans up', async () => {
    const root = join(process.env.STORAGE_TEST_FULL_DIR ?? '', `full-${Date.now()}`);
    const driver = new LocalDriver({ root, publicBaseUrl: 'http://x', signingSecret: 'x'.repeat(32) });
    await expectStorageError(
      driver.put('exports/u/too-big.bin', Buffer.alloc(8 * 1024 * 1024, 1), { contentType: 'x/y' }),
      'NO_SPACE',
    );
    expect(await listTree(join(root, 'tmp'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });
});
