import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { json } from '../../../test/helpers/http.ts';
import { fixture, postUpload, snapshot, uploadForm } from '../uploads/uploads.test-support.ts';

// A real full disk: the local driver's directory on a 2 MiB tmpfs (mounting needs root; elsewhere the
// test is skipped and says so).
const mountPoint = mkdtempSync(path.join(tmpdir(), 'avatar-full-disk-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('full-disk faults skipped: cannot mount a tmpfs here (needs root)');
}

let app: TestApp;
let admin: { token: string };
const filler = path.join(mountPoint, 'filler.bin');

beforeAll(async () => {
  if (!mounted) return;
  app = await startTestApp({ LOCAL_ASSETS_PATH: path.join(mountPoint, 'assets') });
  admin = await app.userWithToken('admin');
});
afterAll(async () => {
  await app?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Every file under the driver's directory, temporary ones included. */
function files(dir = path.join(mountPoint, 'assets')): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(full));
    else out.push(path.relative(mountPoint, full));
  }
  return out;
}

describe.skipIf(!mounted)('a full disk', () => {
  it('refuses the upload with 503 STORAGE_FULL and Retry-After, leaves nothing partial, and recovers', async () => {
    // Leave about 300 KiB: less than the Fox (680 KiB), more than the Box.
    writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024 - 300 * 1024 - files().length * 4096, 1));
    const before = await snapshot(app);
    const filesBefore = files();

    const res = await postUpload(app, admin.token, uploadForm(fixture('Fox.glb')));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'STORAGE_FULL' });
    expect(JSON.stringify(body)).not.toMatch(/ENOSPC|tmpfs|\/tmp\//);
    // Nothing half-written: no object, no temporary file, no row, no pending record.
    expect(await snapshot(app)).toEqual(before);
    expect(files().filter((f) => !filesBefore.includes(f) && !f.includes('/meta/'))).toEqual([]);

    // The server still serves, a small file still fits, and once space is freed the big one goes in.
    const small = await postUpload(app, admin.token, uploadForm(fixture('Box.glb')));
    expect(small.status).toBe(201);
    rmSync(filler);
    const again = await postUpload(app, admin.token, uploadForm(fixture('Fox.glb')));
    expect(again.status).toBe(201);
  }, 60_000);
});
