import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Headless, no GPU (SwiftShader renders WebGL2), nothing fetched or updated in the background. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One Chromium with a throw-away profile directory, removed when the browser closes or dies. */
export interface RenderBrowser {
  context: BrowserContext;
  userDataDir: string;
  closed: boolean;
  /** The blank tab the profile opens with, until a render page takes it (a new tab costs ~0.4 s). */
  spare: Page[];
}

export const isAlive = (browser: RenderBrowser): boolean =>
  !browser.closed && browser.context.browser()?.isConnected() !== false;

/** Starts Chromium; `onClose` runs when it closes for any reason (closed, crashed, killed). */
export async function launchRenderBrowser(
  chromiumPath: string,
  timeoutMs: number,
  onClose: (context: BrowserContext) => void,
): Promise<RenderBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'avatar-render-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 512, height: 512 },
      deviceScaleFactor: 1,
      timeout: timeoutMs,
    });
    const browser: RenderBrowser = { context, userDataDir, closed: false, spare: context.pages() };
    context.on('close', () => {
      browser.closed = true;
      onClose(context);
      void rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    });
    return browser;
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
}

/** Closes the browser (giving up waiting after 5 s) and removes its profile directory. */
export async function closeRenderBrowser(browser: RenderBrowser): Promise<void> {
  browser.closed = true;
  await Promise.race([browser.context.close().catch(() => {}), sleep(5_000)]);
  await rm(browser.userDataDir, { recursive: true, force: true }).catch(() => {});
}

export interface RenderPageHooks {
  /** The page crashed or closed. */
  onGone: (page: Page) => void;
  onError: (error: Error) => void;
  /**
   * Whether the page may fetch this URL (its own code, the models of the job it renders); every other
   * request (other hosts, `file:`) is aborted before it leaves the browser. Absent: everything goes.
   */
  allowRequest?: (url: string) => boolean;
  /** A request was refused by `allowRequest`. */
  onBlocked?: (url: string) => void;
}

/**
 * Opens the render page and waits until it says it is ready (`window.__renderReady`); only then are its
 * requests filtered. Until the page is given a job it fetches nothing but its own code, and filtering
 * pauses every request for a round trip to this process: the page's sixty-odd modules took more than
 * twice as long to load that way (1.5 s more on a busy machine).
 */
export async function openRenderPage(
  browser: RenderBrowser,
  url: string,
  timeoutMs: number,
  hooks: RenderPageHooks,
): Promise<Page> {
  const spare = browser.spare.pop();
  const page = spare && !spare.isClosed() ? spare : await browser.context.newPage();
  try {
    page.on('crash', () => hooks.onGone(page));
    page.on('close', () => hooks.onGone(page));
    page.on('pageerror', hooks.onError);
    // Module scripts run before DOMContentLoaded, and the page is ready once its module has run.
    const response = await page.goto(url, { timeout: timeoutMs, waitUntil: 'domcontentloaded' });
    if (!response?.ok()) throw new Error(`GET ${url} answered ${response?.status() ?? 'nothing'}`);
    const isReady = () => (globalThis as unknown as { __renderReady?: boolean }).__renderReady === true;
    // Normally ready by now: one call says so, where polling costs a few round trips more.
    if (!(await page.evaluate(isReady)))
      await page.waitForFunction(isReady, undefined, { timeout: timeoutMs });
    const { allowRequest, onBlocked } = hooks;
    if (allowRequest) {
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (allowRequest(url)) return route.continue();
        onBlocked?.(url);
        return route.abort('blockedbyclient');
      });
    }
    return page;
  } catch (error) {
    page.close().catch(() => {});
    throw error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
