import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config/config.ts';
import { AppError } from './errors.ts';

const originOf = (url: string | undefined): string | null => {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/**
 * The content security policy of the web app: its own scripts and WebAssembly (the Draco and meshopt
 * decoders), Babylon's decoder workers (blob:), textures inside models (data:, blob:), and asset files from
 * wherever storage serves them (this origin, the S3 endpoint for presigned URLs, the CDN). Nothing inline
 * but styles (Preact sets style attributes), no frames, no plugins, no foreign forms.
 */
export function contentSecurityPolicy(config: Config): string {
  const assets = [originOf(config.S3_ENDPOINT), originOf(config.ASSET_CDN_URL)].filter(Boolean).join(' ');
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${assets}`.trim(),
    `connect-src 'self' data: blob: ${assets}`.trim(),
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Security headers on every answer (a route may set a stricter CSP of its own, as `/files` does). No CSP
 * with Vite's dev middleware, whose hot reload injects inline scripts.
 */
export function securityHeaders(config: Config): (res: ServerResponse, secure: boolean) => void {
  const csp = config.WEB_DEV ? null : contentSecurityPolicy(config);
  return (res, secure) => {
    if (csp) res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}

/**
 * Whether the request came over HTTPS, as Express's `req.secure` decides it (its `req.protocol`): the
 * socket's own TLS, or the first `X-Forwarded-Proto` when the peer is a trusted proxy. Written out so that
 * a request answered before Express (`hot-reads.ts`) is judged the same way.
 */
export function isSecure(req: IncomingMessage, trust: (address: string, hop: number) => boolean): boolean {
  const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  const own = socket.encrypted ? 'https' : 'http';
  if (!trust(socket.remoteAddress ?? '', 0)) return own === 'https';
  const header = req.headers['x-forwarded-proto'];
  const forwarded = (Array.isArray(header) ? header[0] : header) || own;
  const comma = forwarded.indexOf(',');
  return (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim() === 'https';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing request another site's page made: `Sec-Fetch-Site: cross-site`, or an
 * `Origin` that is not this server's. Browsers send these on such requests and a page cannot forge them;
 * clients that are not browsers send neither and are judged by their credentials alone.
 */
export function refuseCrossSite(config: Config): RequestHandler {
  const publicOrigin = originOf(config.PUBLIC_URL);
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const ownOrigin = `${req.protocol}://${req.get('host')}`;
    const foreign =
      site === 'cross-site' || (origin !== undefined && origin !== publicOrigin && origin !== ownOrigin);
    if (!foreign) return next();
    res.setHeader('Connection', 'close'); // the body stays unread
    next(new AppError('FORBIDDEN', 'CSRF_FAILED', 'Requests from other sites are not accepted'));
  };
}

/**
 * API mutations take JSON only. A `text/plain`, form or multipart body is what a page on another site can
 * send without a CORS preflight, so refusing it (415) closes that door even for a cookie session. Binary
 * uploads have their own routes, mounted before this.
 */
export function requireJsonBodies(): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (!hasBody || req.is('application/json')) return next();
    res.setHeader('Connection', 'close'); // the body stays unread
    next(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'VALIDATION_FAILED',
        'Send the request body as application/json',
      ),
    );
  };
}
