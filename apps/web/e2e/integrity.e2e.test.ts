import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../packages/asset-core/test/fixtures-dir.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../server/test/helpers/app.ts';
import { CHROMIUM_ARGS, chromiumPath, skip } from './browser.ts';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const distDir = path.join(webRoot, 'dist');
const shots = path.join(webRoot, 'test-results');
const fixtures = FIXTURES_DIR;

const ORPHAN = 'exports/00000000-0000-4000-8000-0000000000aa/00000000-0000-4000-8000-0000000000bb.glb';

describe.skipIf(skip)('admin: storage integrity panel', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let admin: { token: string; email: string };
  let keptKey: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(distDir, 'index.html'))) {
      throw new Error(`${distDir}/index.html is missing: build the web app first (make build-web).`);
    }
    mkdirSync(shots, { recursive: true });
    app = await startTestApp({ WEB_DIST: distDir, INTEGRITY_ORPHAN_GRACE_SECONDS: '0' });
    admin = await app.userWithToken('admin');
    const form = new FormData();
    const fields = {
      type: 'accessory',
      category: 'headwear',
      name: 'Box',
      key: 'props/integrity-box',
      version: '1.0.0',
    };
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([readFileSync(path.join(fixtures, 'Box.glb'))]), 'box.glb');
    const res = await fetch(`${app.baseUrl}/resources/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
      body: form,
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    keptKey = (
      await app.database.db
        .selectFrom('asset_catalog')
        .select('storage_key')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).storage_key;
    // A file nobody refers to: what a killed export would leave.
    await app.storage.put(ORPHAN, Buffer.from('left behind'), { contentType: 'model/gltf-binary' });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await app?.close();
    }
  });

  it('reports the orphan file, removes it on request, and keeps the referenced one', async () => {
    await page.goto(`${app.baseUrl}/admin`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Admin', exact: true }).waitFor();

    await page.getByTestId('toggle-integrity').click();
    await page.getByTestId('integrity-check').click();
    await page.getByTestId('integrity-report').waitFor();
    const orphans = page.getByTestId('integrity-orphans');
    expect(await orphans.getByRole('heading').textContent()).toContain('Files no row refers to: 1');
    expect(await orphans.textContent()).toContain(ORPHAN);
    expect(await page.getByTestId('integrity-missing').textContent()).toContain(
      'References to missing files: 0',
    );
    expect(await page.getByTestId('integrity-mismatches').textContent()).toContain('Checksum mismatches: 0');
    expect(await page.getByTestId('integrity-summary').textContent()).toMatch(/1 checksum verified/);
    await page.screenshot({ path: path.join(shots, 'integrity-report.png') });

    await page.getByRole('button', { name: 'Remove 1 orphan object' }).click();
    await page.getByTestId('integrity-repaired').waitFor();
    expect(await page.getByTestId('integrity-repaired').textContent()).toContain('Removed 1 object');
    await page.getByText('Everything matches.').waitFor();
    expect(await page.getByTestId('integrity-repair').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(shots, 'integrity-repaired.png') });

    expect(await app.storage.head(ORPHAN)).toBeNull();
    expect(await app.storage.head(keptKey)).not.toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('is not offered to a player: the API refuses them', async () => {
    const player = await app.userWithToken('player');
    const res = await fetch(`${app.baseUrl}/api/v1/admin/integrity`, {
      headers: { authorization: `Bearer ${player.token}` },
    });
    expect(res.status).toBe(403);
  });
});
