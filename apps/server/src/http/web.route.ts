import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';
import expressStaticGzip from 'express-static-gzip';

/**
 * Serves the built web app: hashed assets cached for good, every other page answered by index.html. The
 * build writes each asset brotli- and gzip-compressed beside itself (apps/web/vite.config.ts); a browser
 * gets the smallest one it accepts (`Vary: Accept-Encoding`), anything else the file as it is.
 */
export function createStaticWebRouter(distDir: string): Router | null {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return null;
  const router = Router();
  router.use(
    '/assets',
    expressStaticGzip(path.join(distDir, 'assets'), {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: { immutable: true, maxAge: '365d', index: false, fallthrough: false },
    }),
  );
  router.use(express.static(distDir, { index: false }));
  const page: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!req.accepts('html')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  };
  router.get(['/', '/admin', '/admin/*rest'], page);
  return router;
}
