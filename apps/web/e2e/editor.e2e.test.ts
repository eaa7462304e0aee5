import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Asset, AvatarConfig } from '@avatar/contracts';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../packages/asset-core/test/fixtures-dir.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../server/test/helpers/app.ts';
import { CHROMIUM_ARGS, chromiumPath, hasChromium, skip } from './browser.ts';
import { distinctColors, type PixelSample, sampleCanvas } from './canvas-pixels.ts';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const distDir = path.join(webRoot, 'dist');
const shots = path.join(webRoot, 'test-results');
const fixtures = FIXTURES_DIR;

const CANVAS = '[data-testid="scene-canvas"]';

/** Share of sampled pixels that differ by more than `threshold` in some channel. */
function changedShare(a: PixelSample, b: PixelSample, threshold = 24): number {
  if (a.rgb.length !== b.rgb.length) return 1;
  let changed = 0;
  for (let i = 0; i < a.rgb.length; i += 3) {
    if (
      Math.abs(a.rgb[i]! - b.rgb[i]!) > threshold ||
      Math.abs(a.rgb[i + 1]! - b.rgb[i + 1]!) > threshold ||
      Math.abs(a.rgb[i + 2]! - b.rgb[i + 2]!) > threshold
    )
      changed++;
  }
  return changed / (a.rgb.length / 3);
}

describe.skipIf(skip)('player editor: pick, color, undo, save, export, fallbacks', () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: { token: string };
  let player: { token: string; email: string; id: string };
  const assets: Record<string, Asset> = {};
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(distDir, 'index.html'))) {
      throw new Error(`${distDir}/index.html is missing: build the web app first (make build-web).`);
    }
    if (!hasChromium)
      throw new Error(`Chromium not found at ${chromiumPath}: install it or set CHROMIUM_PATH`);
    mkdirSync(shots, { recursive: true });
    app = await startTestApp({ WEB_DIST: distDir }, { workers: true });
    admin = await app.userWithToken('admin');
    player = await app.userWithToken('player');
    assets.cesium = await seed('CesiumMan.glb', {
      type: 'base_model',
      category: 'humanoid',
      name: 'Cesium Man',
      key: 'base/cesium-man',
      tags: ['textured'],
    });
    assets.robot = await seed('RobotExpressive.glb', {
      type: 'base_model',
      category: 'robot',
      name: 'Expressive Robot',
      key: 'base/robot',
      tags: ['rigged', 'morphs'],
    });
    assets.cube = await seed('Box.glb', {
      type: 'hair',
      category: 'short',
      name: 'Cube Cut',
      key: 'hair/cube-cut',
      tags: ['blocky'],
    });
    assets.knight = await seed('chr_knight.glb', {
      type: 'hair',
      category: 'long',
      name: 'Knight Helm',
      key: 'hair/knight-helm',
      tags: ['voxel'],
    });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    watch(page);
  });

  function watch(p: Page) {
    p.setDefaultTimeout(20_000);
    p.on('pageerror', (error) => pageErrors.push(error.message));
    p.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(app.baseUrl) && !/^(data|blob):/.test(url)) foreignRequests.push(url);
    });
  }

  async function logIn() {
    await page.getByLabel('Email').fill(player.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await app?.close();
    }
  });

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

  async function savedConfig(): Promise<AvatarConfig> {
    const res = await fetch(`${app.baseUrl}/api/v1/character/config`, {
      headers: { authorization: `Bearer ${player.token}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as AvatarConfig;
  }

  const shot = (name: string) =>
    page.screenshot({ path: path.join(shots, `editor-${name}.png`), animations: 'disabled' });
  const canvas = () => page.locator(CANVAS);
  const sample = () => sampleCanvas(page, CANVAS, 6);

  /** Runs `action`, then waits until the scene has shown the result (a model load or a color change). */
  async function andWaitForScene(action: () => Promise<void>) {
    const before = (await canvas().getAttribute('data-shown')) ?? '0';
    await action();
    await page
      .locator(`${CANVAS}[data-model-state="ready"]:not([data-shown="${before}"])`)
      .waitFor({ timeout: 30_000 });
  }

  /** Samples until the canvas differs from `reference` by at least `share` (shaders compile in the background). */
  async function waitForChange(reference: PixelSample, share = 0.01): Promise<PixelSample> {
    let latest = reference;
    await expect
      .poll(
        async () => {
          latest = await sample();
          return changedShare(reference, latest);
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBeGreaterThan(share);
    return latest;
  }

  /** Samples until two samples in a row agree: the frame has settled. */
  async function settled(): Promise<PixelSample> {
    let previous = await sample();
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(150);
      const next = await sample();
      if (changedShare(previous, next, 4) < 0.002) return next;
      previous = next;
    }
    return previous;
  }

  const card = (key: string) => page.locator(`[data-testid="part-card"][data-key="${key}"]`);

  it('logs in and shows the editor with the default shape', async () => {
    await page.goto(`${app.baseUrl}/`);
    await logIn();
    await page.getByRole('heading', { name: 'Your avatar' }).waitFor();
    await page.locator(`${CANVAS}[data-ready="true"][data-model-state="ready"]`).waitFor({ timeout: 30_000 });
    await card('base/cesium-man').waitFor();
    expect(await page.getByTestId('part-none').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('save-state').getAttribute('data-dirty')).toBe('false');
    expect(distinctColors(await settled())).toBeGreaterThan(20);
    await shot('start');
  }, 150_000);

  it('picks a body and a hair part and sees each on the canvas at once', async () => {
    const empty = await settled();
    await andWaitForScene(() => card('base/cesium-man').click());
    const withBody = await waitForChange(empty, 0.02);
    expect(await card('base/cesium-man').getAttribute('aria-pressed')).toBe('true');
    await page.locator('[data-testid="save-state"][data-dirty="true"]').waitFor();
    expect(await page.getByTestId('save-state').textContent()).toContain('Unsaved changes');

    await page.getByTestId('slot-hair').click();
    await card('hair/cube-cut').waitFor();
    const beforeHair = await settled();
    await andWaitForScene(() => card('hair/cube-cut').click());
    await waitForChange(beforeHair, 0.002);
    expect(changedShare(withBody, await settled())).toBeGreaterThan(0.002);
    await shot('parts');
  }, 150_000);

  it('filters parts by search, category and tag', async () => {
    await page.getByTestId('parts-search').fill('knight');
    await expect.poll(() => page.getByTestId('part-card').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('part-card').first().getAttribute('data-key')).toBe('hair/knight-helm');
    await page.getByTestId('parts-search').fill('');
    await page.getByTestId('parts-category').selectOption('short');
    await expect.poll(() => page.getByTestId('part-card').count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId('parts-category').selectOption('');
    await page.getByRole('button', { name: 'voxel', exact: true }).click();
    await expect.poll(() => page.getByTestId('part-card').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('part-card').first().getAttribute('data-key')).toBe('hair/knight-helm');
    await shot('filtered');
    await page.getByRole('button', { name: 'voxel', exact: true }).click();
    await expect.poll(() => page.getByTestId('part-card').count(), { timeout: 10_000 }).toBe(2);
  });

  it('changes a color, undoes and redoes it with the buttons and the keyboard', async () => {
    await page.getByTestId('tab-colors').click();
    const input = page.getByTestId('color-input').first();
    await input.waitFor();
    const original = await input.inputValue();
    const before = await settled();
    await andWaitForScene(() => input.fill('#10e040'));
    const green = await waitForChange(before, 0.01);
    expect(await input.inputValue()).toBe('#10e040');
    await shot('color');

    await andWaitForScene(() => page.getByTestId('undo').click());
    expect(await input.inputValue()).toBe(original);
    expect(changedShare(before, await settled())).toBeLessThan(0.01);
    await andWaitForScene(() => page.getByTestId('redo').click());
    expect(await input.inputValue()).toBe('#10e040');
    expect(changedShare(green, await settled())).toBeLessThan(0.01);

    // The shortcuts act on the page, not on a focused text field.
    await page.getByRole('heading', { name: 'Your avatar' }).click();
    await andWaitForScene(() => page.keyboard.press('Control+z'));
    expect(await input.inputValue()).toBe(original);
    await andWaitForScene(() => page.keyboard.press('Control+Shift+z'));
    expect(await input.inputValue()).toBe('#10e040');
  }, 150_000);

  it('saves, and a reload shows what was saved', async () => {
    const material = (await page.getByTestId('color-input').first().getAttribute('data-material'))!;
    await page.getByTestId('save').click();
    await page.locator('[data-testid="save-state"][data-dirty="false"]').waitFor();
    expect(await page.getByTestId('save-state').textContent()).toContain('All changes saved');
    const saved = await savedConfig();
    expect(saved.modelAssetId).toBe(assets.cesium!.id);
    expect(saved.parts.hair).toBe(assets.cube!.id);
    expect(saved.colors[material]).toBe('#10e040');

    const before = await settled();
    await page.reload();
    await page.locator(`${CANVAS}[data-ready="true"][data-model-state="ready"]`).waitFor({ timeout: 30_000 });
    await card('base/cesium-man').waitFor();
    expect(await card('base/cesium-man').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('save-state').getAttribute('data-dirty')).toBe('false');
    await page.getByTestId('tab-colors').click();
    expect(await page.locator(`[data-testid="color-input"][data-material="${material}"]`).inputValue()).toBe(
      '#10e040',
    );
    // The same avatar as before the reload (the camera is framed the same way on a fresh load).
    expect(changedShare(before, await settled())).toBeLessThan(0.05);
    await shot('reloaded');
  }, 150_000);

  it('shows morph sliders for a body that has morph targets', async () => {
    await page.getByTestId('tab-parts').click();
    await andWaitForScene(() => card('base/robot').click());
    await page.getByTestId('tab-shape').click();
    const sliders = page.getByTestId('morph-input');
    await sliders.first().waitFor();
    expect(await sliders.count()).toBeGreaterThan(0);
    await sliders.first().focus();
    await page.keyboard.press('End');
    await page.locator('[data-testid="save-state"][data-dirty="true"]').waitFor();
    await shot('shape');
    // Back to the saved avatar for the export.
    await page.getByRole('heading', { name: 'Your avatar' }).click();
    while ((await page.getByTestId('save-state').getAttribute('data-dirty')) === 'true') {
      await page.getByTestId('undo').click();
    }
    await page.getByTestId('tab-parts').click();
    await page.locator(`${CANVAS}[data-model-state="ready"]`).waitFor();
  }, 150_000);

  it('exports a GLB in the background, follows it live and downloads a valid file', async () => {
    await page.getByTestId('open-export').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    // Every format is offered with its one-line description.
    for (const format of ['GLB', 'FBX', 'OBJ', 'PNG', 'JPG', 'SVG']) {
      expect(await dialog.textContent()).toContain(format);
    }
    await shot('export-dialog');
    // A format the server cannot make yet is refused (422) with a sentence, not a code.
    const res = await fetch(`${app.baseUrl}/api/v1/avatar/export/formats`);
    const { formats } = (await res.json()) as { formats: { format: string; available: boolean }[] };
    const missing = formats.find((f) => !f.available);
    if (missing) {
      await page.getByTestId(`format-${missing.format}`).check();
      await page.getByTestId('export-start').click();
      const error = page.getByTestId('export-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('not available');
      expect(await error.textContent()).not.toMatch(/422|UNPROCESSABLE|stack/);
      await shot('export-refused');
    }
    await page.getByTestId('format-glb').check();
    expect(await page.getByTestId('export-background').isChecked()).toBe(true);
    const live: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('exports.onStatus')) live.push(request.url());
    });
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-status').waitFor();
    await shot('export-running');
    await page.locator('[data-testid="export-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    await shot('export-done');
    // Followed live over the subscription (server-sent events), not only by polling.
    expect(live.length).toBeGreaterThan(0);
    const href = await page.getByTestId('export-download').getAttribute('href');
    expect(href).toBeTruthy();
    const bytes = await page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'include' });
      return Array.from(new Uint8Array(await res.arrayBuffer()));
    }, href!);
    const glb = Buffer.from(bytes);
    expect(glb.subarray(0, 4).toString('latin1')).toBe('glTF');
    expect(glb.readUInt32LE(8)).toBe(glb.length);
    // It started downloading by itself.
    expect((await download).suggestedFilename()).toMatch(/\.glb$/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }, 150_000);

  it('lists the finished export under Recent exports when the dialog opens again', async () => {
    await page.getByTestId('open-export').click();
    const recent = page.locator('.past-export').first();
    await recent.waitFor();
    expect(await recent.textContent()).toMatch(/GLB/);
    expect(await recent.locator('a').getAttribute('href')).toBeTruthy();
    await page.keyboard.press('Escape');
    await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
  });

  it('shows a missing asset as a fallback notice, not a crash or a blank canvas', async () => {
    const rows = await app.database.db
      .selectFrom('asset_catalog')
      .select('storage_key')
      .where('id', '=', assets.cube!.id)
      .execute();
    for (const row of rows) await app.storage.delete(row.storage_key);
    // A fresh browser: this one still has the file in its HTTP cache (published files are immutable).
    await context.close();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    watch(page);
    await page.goto(`${app.baseUrl}/`);
    await logIn();
    const notice = page.getByTestId('fallback-notice').first();
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toContain('Cube Cut');
    await page.locator(`${CANVAS}[data-model-state="ready"]`).waitFor({ timeout: 30_000 });
    expect(distinctColors(await settled())).toBeGreaterThan(20);
    await shot('fallback');
  }, 150_000);

  it('fits a 360 px wide screen', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.locator(`${CANVAS}[data-model-state="ready"]`).waitFor();
    // The canvas changed shape: the body is framed again for it.
    await settled();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('mobile');
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-dialog').waitFor();
    await shot('mobile-export');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('fetched nothing from another origin and threw no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
