import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticWebRouter } from './web.route.ts';

// A built web app as apps/web/vite.config.ts leaves it: a large script with its .br and .gz beside it,
// a small one without.
const script = Buffer.from(`console.log(${JSON.stringify('avatar '.repeat(2000))});\n`);
const small = Buffer.from('export const x = 1;\n');

let dist: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'web-route-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Avatars</title>');
  writeFileSync(path.join(dist, 'assets', 'main-abc123.js'), script);
  writeFileSync(path.join(dist, 'assets', 'main-abc123.js.br'), brotliCompressSync(script));
  writeFileSync(path.join(dist, 'assets', 'main-abc123.js.gz'), gzipSync(script));
  writeFileSync(path.join(dist, 'assets', 'tiny-def456.js'), small);
  const router = createStaticWebRouter(dist);
  if (!router) throw new Error('no router');
  server = express().use(router).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dist, { recursive: true, force: true });
});

/** The raw response: fetch() would undo the compression this test is about. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    request(`${origin}${url}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('the built web app', () => {
  it('sends a script brotli-compressed to a browser that accepts it, cached for good', async () => {
    const res = await get('/assets/main-abc123.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(res.body).equals(script)).toBe(true);
  });

  it('sends gzip to a client that takes only gzip, and the file itself to one that takes neither', async () => {
    const gzip = await get('/assets/main-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(script)).toBe(true);

    const plain = await get('/assets/main-abc123.js', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(script)).toBe(true);
    const none = await get('/assets/main-abc123.js');
    expect(none.body.equals(script)).toBe(true);
  });

  it('sends a file the build did not compress as it is', async () => {
    const res = await get('/assets/tiny-def456.js', { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(small)).toBe(true);
  });

  it('answers 404 for an asset that does not exist, without a stack trace', async () => {
    const res = await get('/assets/missing-000000.js', { 'accept-encoding': 'br' });
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  it('answers the pages with index.html, never cached stale', async () => {
    const res = await get('/admin', { accept: 'text/html', 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body.toString()).toContain('<title>Avatars</title>');
  });
});
