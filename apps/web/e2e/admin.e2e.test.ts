import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Asset, AssetPage } from '@avatar/contracts';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../packages/asset-core/test/fixtures-dir.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../server/test/helpers/app.ts';
import { CHROMIUM_ARGS, chromiumPath, hasChromium, skip } from './browser.ts';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const distDir = path.join(webRoot, 'dist');
const shots = path.join(webRoot, 'test-results');
const fixtures = FIXTURES_DIR;

const BOX_KEY = 'props/test-box';

describe.skipIf(skip)('admin: upload, curate, version, deprecate', () => {
  let app: TestApp;
  let browser: Browser;
  let adminContext: BrowserContext;
  let playerContext: BrowserContext | undefined;
  let page: Page;
  let admin: { token: string; email: string; id: string };
  let player: { token: string; email: string; id: string };
  let box: Asset | undefined;
  let boxV2: Asset | undefined;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(distDir, 'index.html'))) {
      throw new Error(
        `${distDir}/index.html is missing: build the web app first (npx -y pnpm@10.34.9 --filter @avatar/web build).`,
      );
    }
    if (!hasChromium)
      throw new Error(`Chromium not found at ${chromiumPath}: install it or set CHROMIUM_PATH`);
    mkdirSync(shots, { recursive: true });
    app = await startTestApp({ WEB_DIST: distDir }, { workers: true });
    admin = await app.userWithToken('admin');
    player = await app.userWithToken('player');
    // A catalog with a few real assets around the one this test uploads, so the table is not a lone row.
    await seed('CesiumMan.glb', {
      type: 'base_model',
      category: 'humanoid',
      name: 'Cesium Man',
      key: 'base/cesium-man',
      tags: ['rigged', 'walk'],
    });
    await seed('Fox.glb', {
      type: 'base_model',
      category: 'creature',
      name: 'Fox',
      key: 'base/fox',
      tags: ['rigged', 'animal'],
    });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await adminContext.newPage();
    watch(page);
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await app?.close();
    }
  });

  function watch(p: Page) {
    p.setDefaultTimeout(20_000);
    p.on('pageerror', (error) => pageErrors.push(error.message));
    p.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(app.baseUrl) && !/^(data|blob):/.test(url)) foreignRequests.push(url);
    });
  }

  async function seed(file: string, fields: Record<string, unknown>): Promise<Asset> {
    const storageKey = `incoming/${file.toLowerCase()}`;
    await app.storage.put(storageKey, readFileSync(path.join(fixtures, file)), {
      contentType: 'model/gltf-binary',
    });
    const res = await fetch(`${app.baseUrl}/resources/catalog`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ storageKey, ...fields }),
    });
    if (res.status !== 200) throw new Error(`seeding ${file} failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as Asset;
  }

  async function apiGet<T>(url: string, token: string): Promise<T> {
    const res = await fetch(`${app.baseUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  async function logIn(p: Page, email: string) {
    await p.getByLabel('Email').fill(email);
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  const shot = (p: Page, name: string) =>
    p.screenshot({ path: path.join(shots, `admin-${name}.png`), animations: 'disabled' });
  const panel = () => page.getByTestId('asset-panel');
  const row = (key: string, version: string) =>
    page.locator(`[data-testid="catalog-row"][data-key="${key}"]`).filter({ hasText: version });

  it('shows the catalog table to an admin at /admin', async () => {
    await page.goto(`${app.baseUrl}/admin`);
    await logIn(page, admin.email);
    await page.getByRole('heading', { name: 'Admin', exact: true }).waitFor();
    await page.getByTestId('catalog-table').waitFor();
    await row('base/fox', '1.0.0').waitFor();
    expect(await page.getByTestId('catalog-row').count()).toBe(2);
    // Every filter has a label a screen reader announces.
    for (const label of ['Search', 'Type', 'Category', 'Status', 'Tags', 'Sort']) {
      expect(await page.getByLabel(label, { exact: true }).count()).toBe(1);
    }
    await shot(page, 'catalog');
  });

  it('refuses a broken file in the browser, before sending a byte', async () => {
    const uploads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/resources/upload')) uploads.push(request.url());
    });
    await page.getByTestId('toggle-upload').click();
    await page.getByTestId('upload-input').setInputFiles({
      name: 'broken.glb',
      mimeType: 'model/gltf-binary',
      buffer: Buffer.from('glTF, but not really a binary glTF file'),
    });
    const report = page.locator('[data-testid="browser-report"][data-valid="false"]');
    await report.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('issues-error').textContent()).toMatch(/GLB_/);
    expect(await page.getByTestId('upload-submit').isDisabled()).toBe(true);
    await shot(page, 'upload-invalid');
    expect(uploads).toEqual([]);
  });

  it('validates Box.glb in the browser, then uploads it', async () => {
    await page.getByTestId('upload-input').setInputFiles(path.join(fixtures, 'Box.glb'));
    const report = page.locator('[data-testid="browser-report"][data-valid="true"]');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.textContent()).toContain('Valid glTF binary');

    await page.getByTestId('upload-name').fill('Test Box');
    await page.getByTestId('upload-key').fill(BOX_KEY);
    const upload = page.getByTestId('upload-panel');
    await upload.getByLabel('Type').selectOption('accessory');
    await upload.getByLabel('Category').selectOption('handheld');
    await upload.getByLabel('Tags').fill('crate');
    await upload.getByLabel('Tags').press('Enter');
    await shot(page, 'upload-report');

    await page.getByTestId('upload-submit').click();
    const server = page.getByTestId('server-report');
    await server.waitFor({ timeout: 30_000 });
    await page.getByTestId('server-validation').waitFor();
    await server.locator('[data-testid="status-pill"][data-status="active"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('server-metadata').textContent()).toContain('Triangles12');
    await shot(page, 'upload-done');

    // The same bytes again, under another key: the server refuses a duplicate and says where it is.
    await page.getByRole('button', { name: 'Upload another file' }).click();
    await page.getByTestId('upload-input').setInputFiles(path.join(fixtures, 'Box.glb'));
    await page.locator('[data-testid="browser-report"][data-valid="true"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('upload-key').fill('props/another-box');
    // Held back for a moment so the progress bar can be seen (a 1.6 kB file is sent in no time).
    await page.route(
      '**/resources/upload',
      async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await route.continue();
      },
      { times: 1 },
    );
    await page.getByTestId('upload-submit').click();
    await page.getByTestId('upload-progress').waitFor();
    await shot(page, 'upload-progress');
    const refused = page.getByTestId('upload-error');
    await refused.waitFor();
    expect(await refused.textContent()).toContain(`already in the catalog as "${BOX_KEY}"`);
    await shot(page, 'upload-refused');
    await page.getByTestId('toggle-upload').click();
    await row(BOX_KEY, '1.0.0').waitFor();
    const page1 = await apiGet<AssetPage>(`/resources/catalog?status=active&limit=50`, admin.token);
    const found = page1.items.find((a) => a.key === BOX_KEY);
    expect(found).toBeDefined();
    box = await apiGet<Asset>(`/resources/catalog/${found!.id}`, admin.token);
  });

  it("reads the server's report and metadata", async () => {
    await row(BOX_KEY, '1.0.0').getByRole('button').click();
    await panel().waitFor();
    await panel().getByRole('tab', { name: 'Report' }).click();
    const metadata = page.getByTestId('asset-metadata');
    await metadata.waitFor();
    const text = await metadata.textContent();
    expect(text).toContain('Vertices24');
    expect(text).toContain('Triangles12');
    expect(text).toContain('Materials1');
    await shot(page, 'asset-report');
  });

  it('edits the tags', async () => {
    await panel().getByRole('tab', { name: 'Details' }).click();
    const tags = panel().getByLabel('Tags');
    await tags.fill('wooden');
    await tags.press('Enter');
    await panel().getByTestId('save-details').click();
    await panel().getByTestId('details-saved').waitFor();
    const saved = await apiGet<Asset>(`/resources/catalog/${box!.id}`, admin.token);
    expect(saved.tags).toEqual(['crate', 'wooden']);
    await shot(page, 'asset-details');
  });

  it('creates version 1.1.0 as a copy', async () => {
    await panel().getByRole('tab', { name: 'Versions' }).click();
    await panel().getByRole('radio', { name: /Minor/ }).check();
    expect(await panel().getByTestId('next-version').textContent()).toBe('1.1.0');
    await panel().getByTestId('copy-version').click();
    await panel().getByTestId('version-created').waitFor();
    await panel().locator('[data-testid="version-row"][data-version="1.1.0"]').waitFor();
    // A copy is processed like an upload; the history follows it until it is active.
    await panel()
      .locator('[data-testid="version-row"][data-version="1.1.0"] [data-status="active"]')
      .waitFor({ timeout: 60_000 });
    const versions = await apiGet<{ items: Asset[] }>(`/resources/catalog/${box!.id}/versions`, admin.token);
    expect(versions.items.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    boxV2 = versions.items[0] as Asset;
    expect(boxV2.tags).toEqual(['crate', 'wooden']);
  });

  it('shows the version history and the diff of 1.0.0 and 1.1.0', async () => {
    const diff = panel().getByTestId('diff-view');
    await diff.waitFor();
    const head = await diff.locator('thead').textContent();
    expect(head).toContain('1.0.0');
    expect(head).toContain('1.1.0');
    expect(await diff.getByRole('row', { name: /Triangles/ }).textContent()).toContain('12120');
    await shot(page, 'versions-diff');
  });

  it('deprecates 1.0.0 in favor of 1.1.0 and says how many avatars still use it', async () => {
    await panel().getByRole('tab', { name: 'Details' }).click();
    const replacement = panel().getByLabel('Replacement');
    expect(await replacement.inputValue()).toBe(boxV2!.id);
    await panel().getByTestId('deprecate').click();
    await panel().getByTestId('confirm-deprecate').click();
    await panel().getByTestId('deprecate-result').waitFor();
    expect(await panel().getByTestId('configs-referencing').textContent()).toBe('0');
    await panel().locator('[data-testid="status-pill"][data-status="deprecated"]').first().waitFor();
    await shot(page, 'deprecated');
    const old = await apiGet<Asset>(`/resources/catalog/${box!.id}`, admin.token);
    expect(old.status).toBe('deprecated');
    expect(old.replacedBy).toBe(boxV2!.id);
    await page.keyboard.press('Escape');
    await panel().waitFor({ state: 'detached' });
    await row(BOX_KEY, '1.0.0').locator('[data-status="deprecated"]').waitFor();
  });

  it('searches with facets', async () => {
    await page.getByTestId('catalog-search').fill('rigged');
    await page.getByTestId('facets').waitFor();
    await page.locator('[data-testid="catalog-row"]').first().waitFor();
    expect(await page.getByTestId('catalog-row').count()).toBe(2);
    expect(await page.getByTestId('facets').textContent()).toContain('Base model 2');
    await shot(page, 'search');
    await page.getByTestId('catalog-search').fill('');
    await row(BOX_KEY, '1.1.0').waitFor();
  });

  it('fits a 360 px wide screen', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.reload();
    await row(BOX_KEY, '1.1.0').waitFor();
    await shot(page, 'mobile');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await row(BOX_KEY, '1.1.0').getByRole('button').click();
    await panel().waitFor();
    await shot(page, 'mobile-panel');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('hides the deprecated version from a player', async () => {
    playerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const playerPage = await playerContext.newPage();
    watch(playerPage);
    await playerPage.goto(`${app.baseUrl}/`);
    await logIn(playerPage, player.email);
    await playerPage.getByTestId('user-badge').waitFor();
    // Through the player's own cookie session, as the editor will call it.
    const listed = await playerPage.evaluate(async () => {
      const input = encodeURIComponent(JSON.stringify({ limit: 200 }));
      const res = await fetch(`/trpc/catalog.list?input=${input}`, { credentials: 'include' });
      const body = (await res.json()) as { result: { data: { items: { id: string }[] } } };
      return body.result.data.items.map((item) => item.id);
    });
    expect(listed).not.toContain(box!.id);
    expect(listed).toContain(boxV2!.id);
  });

  it('sends a player who opens /admin back, with a message', async () => {
    const playerPage = playerContext!.pages()[0]!;
    await playerPage.goto(`${app.baseUrl}/admin`);
    const notice = playerPage.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('for catalog admins only');
    expect(new URL(playerPage.url()).pathname).toBe('/');
    expect(await playerPage.getByTestId('admin-page').count()).toBe(0);
    await playerPage.getByRole('heading', { name: 'Your avatar' }).waitFor();
    await shot(playerPage, 'player-redirect');
  });

  it('fetched nothing from another origin and threw no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
