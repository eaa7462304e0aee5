import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { encodeKeyPath, isValidKey } from '../../storage/keys.ts';
import type { AssetStorage } from '../../storage/storage.types.ts';
import { isStorageError } from '../../storage/storage-error.ts';
import type { RenderLogger } from './render.types.ts';

/**
 * The render page's own origin: a loopback HTTP server in this process that serves the built render page
 * and, under a per-process secret path, the models a job draws (catalog objects read from storage, or
 * bytes held in memory for the length of one render, such as a composed export). The page then fetches
 * nothing but same-origin URLs, in the API process and in a worker process alike, whatever the storage
 * driver (S3 URLs would be another origin; the local driver's /files URLs need the API's HTTP server).
 */
export interface RenderOrigin {
  /** `http://127.0.0.1:{port}` */
  readonly url: string;
  /** The render page, `{url}/render.html`. */
  readonly pageUrl: string;
  /** The URL the page fetches a stored object from (only keys under `assets/`). */
  objectUrl(key: string): string;
  /** Serves `bytes` under a fresh URL until the returned `release` is called. */
  hold(bytes: Uint8Array): { url: string; release: () => void };
  close(): Promise<void>;
}

/** True when the built render page is there to serve. */
export const hasRenderPage = (webDist: string): boolean => existsSync(path.join(webDist, 'render.html'));

/** Where the built web app is: WEB_DIST when set, else `apps/web/dist` in this checkout. */
export function defaultWebDist(webDist: string | undefined): string {
  return webDist ?? path.resolve(import.meta.dirname, '../../../../web/dist');
}

/** Stored objects the page may read: published catalog files only (never exports or renders). */
const READABLE_PREFIX = 'assets/';

export async function startRenderOrigin(options: {
  storage: AssetStorage;
  webDist: string;
  logger?: RenderLogger;
}): Promise<RenderOrigin> {
  const { storage, webDist, logger } = options;
  const secret = randomBytes(16).toString('hex');
  const held = new Map<string, Uint8Array>();
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/assets',
    express.static(path.join(webDist, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  app.get('/render.html', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(path.join(webDist, 'render.html'));
  });
  // A render page from elsewhere (RENDER_PAGE_URL) fetches the models from here, cross-origin.
  app.use(`/`, (req, res, next) => {
    if (req.path.startsWith(`/held/${secret}/`) || req.path.startsWith(`/objects/${secret}/`))
      res.setHeader('access-control-allow-origin', '*');
    next();
  });
  app.get(`/held/${secret}/:id`, (req, res) => {
    const bytes = held.get(req.params.id);
    if (!bytes) return void res.status(404).end();
    res.type('model/gltf-binary').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  app.get(`/objects/${secret}/*key`, async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    if (!key.startsWith(READABLE_PREFIX) || !isValidKey(key)) return void res.status(404).end();
    try {
      const object = await storage.get(key);
      res.type(object.contentType || 'model/gltf-binary');
      res.setHeader('content-length', String(object.size));
      await pipeline(object.stream, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (isStorageError(error, 'NOT_FOUND')) return void res.status(404).end();
      logger?.warn({ err: error, key }, 'render origin could not read a model');
      res.status(503).end();
    }
  });
  app.use((_req, res) => void res.status(404).end());

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pageUrl: `${url}/render.html`,
    objectUrl: (key) => `${url}/objects/${secret}/${encodeKeyPath(key)}`,
    hold(bytes) {
      const id = `${randomUUID()}.glb`;
      held.set(id, bytes);
      return { url: `${url}/held/${secret}/${id}`, release: () => void held.delete(id) };
    },
    async close() {
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
