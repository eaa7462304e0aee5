import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../server/test/helpers/app.ts';
import { palette } from '../src/engine/palette.ts';
import { CHROMIUM_ARGS, chromiumPath, hasChromium, skip } from './browser.ts';
import { distinctColors, sampleCanvas, shareNearHueInCenter } from './canvas-pixels.ts';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const distDir = path.join(webRoot, 'dist');
const screenshotPath = path.join(webRoot, 'test-results', 'login.png');

describe.skipIf(skip)('web app: log in, see the avatar, log out', () => {
  let app: TestApp | undefined;
  let browser: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  let player: { email: string };
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(distDir, 'index.html'))) {
      throw new Error(
        `${distDir}/index.html is missing: build the web app first ` +
          '(`make build-web`, or `npx -y pnpm@10.34.9 --filter @avatar/web build`).',
      );
    }
    if (!hasChromium) {
      throw new Error(
        `Chromium not found at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
      );
    }
    const started = await startTestApp({ WEB_DIST: distDir });
    app = started;
    player = await started.userWithToken('player', `player-${Date.now()}@example.test`);
    userDataDir = mkdtempSync(path.join(tmpdir(), 'avatar-web-e2e-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(started.baseUrl) && !/^(data|blob):/.test(url)) foreignRequests.push(url);
    });
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await app?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    }
  });

  async function logIn(email: string, password: string) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('shows the login form to a visitor', async () => {
    await page.goto(`${app!.baseUrl}/`);
    await page.getByTestId('login-form').waitFor();
    expect(await page.getByTestId('user-badge').count()).toBe(0);
  });

  it('receives its scripts and styles brotli-compressed, as the build wrote them', async () => {
    const assets: Array<{ url: string; encoding: string | undefined; vary: string | undefined }> = [];
    const onResponse = (response: Response) => {
      if (!/\/assets\/.+\.(js|css)$/.test(response.url())) return;
      const headers = response.headers();
      assets.push({ url: response.url(), encoding: headers['content-encoding'], vary: headers.vary });
    };
    page.on('response', onResponse);
    try {
      await page.reload();
      await page.getByTestId('login-form').waitFor();
    } finally {
      page.off('response', onResponse);
    }
    // Every file the build compressed (those over its size threshold) arrives compressed: the entry
    // script and the stylesheet at least.
    const compressed = assets.filter((asset) =>
      existsSync(path.join(distDir, 'assets', `${path.basename(new URL(asset.url).pathname)}.br`)),
    );
    expect(compressed.length).toBeGreaterThanOrEqual(2);
    for (const asset of compressed) {
      expect(asset, asset.url).toMatchObject({
        encoding: 'br',
        vary: expect.stringMatching(/accept-encoding/i),
      });
    }
  });

  it('says "Wrong email or password" for a wrong password', async () => {
    await logIn(player.email, 'not the password');
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Wrong email or password');
    mkdirSync(path.dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: path.join(path.dirname(screenshotPath), 'login-error.png') });
  });

  it('logs in and shows who is logged in', async () => {
    await logIn(player.email, TEST_PASSWORD);
    await page.getByTestId('user-badge').waitFor();
    expect(await page.getByTestId('user-email').textContent()).toBe(player.email);
    expect(await page.getByTestId('user-role').textContent()).toBe('player');
    expect(await page.getByTestId('login-form').count()).toBe(0);
  });

  it('renders the default avatar on the canvas', async () => {
    await page.locator('[data-testid="scene-canvas"][data-ready="true"]').waitFor();
    const sample = await sampleCanvas(page, '[data-testid="scene-canvas"]');
    expect(sample.columns * sample.rows).toBeGreaterThan(1000);
    expect(distinctColors(sample)).toBeGreaterThan(1);
    // The avatar's body color must cover a real part of the middle of the view, not a stray pixel.
    expect(shareNearHueInCenter(sample, palette.body)).toBeGreaterThan(0.03);
    await page.screenshot({ path: screenshotPath });
  });

  it('keeps the session across a reload', async () => {
    await page.reload();
    await page.getByTestId('user-badge').waitFor();
    expect(await page.getByTestId('user-email').textContent()).toBe(player.email);
  });

  it('logs out back to the login form, for good', async () => {
    // Logout is a mutation: it only succeeds when the client sends the CSRF header.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('login-form').waitFor();
    await page.reload();
    await page.getByTestId('login-form').waitFor();
    expect(await page.getByTestId('user-badge').count()).toBe(0);
  });

  it('shows the admin page to an admin at /admin', async () => {
    const admin = await app!.userWithToken('admin');
    await page.goto(`${app!.baseUrl}/admin`);
    await logIn(admin.email, TEST_PASSWORD);
    await page.getByRole('heading', { name: 'Admin', exact: true }).waitFor();
    expect(await page.getByTestId('user-role').textContent()).toBe('admin');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('login-form').waitFor();
  });

  it('fetched nothing from another origin and threw no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
