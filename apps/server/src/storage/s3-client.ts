import http from 'node:http';
import https from 'node:https';
import { Client } from 'minio';
import { StorageError } from './storage-error.ts';

export interface S3ClientOptions {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  pathStyle: boolean;
  requestTimeoutMs: number;
}

/** A minio client for an endpoint URL, with the timeout the client lacks and without its console retries. */
export function createS3Client(options: S3ClientOptions): Client {
  const endpoint = parseEndpoint(options.endpoint);
  return new Client({
    endPoint: endpoint.host,
    port: endpoint.port,
    useSSL: endpoint.useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    // A fixed region also spares a bucket-location request before the first call.
    region: options.region,
    pathStyle: options.pathStyle,
    transport: timingOutTransport(endpoint.useSSL ? https : http, options.requestTimeoutMs),
    // The client's retry logs with console.warn and cannot replay a stream; callers retry at job level.
    retryOptions: { disableRetry: true },
  });
}

function parseEndpoint(endpoint: string): { host: string; port: number; useSSL: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StorageError('INTERNAL', { detail: 'the S3 endpoint must be an http(s) URL' });
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new StorageError('INTERNAL', {
      detail: 'the S3 endpoint must be an http(s) origin without a path',
    });
  }
  const useSSL = url.protocol === 'https:';
  return { host: url.hostname, port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL };
}

/**
 * The minio client has no timeout of its own. The `timeout` request option covers connecting too (unlike
 * `req.setTimeout`), so a black-holed endpoint fails as fast as a refused one.
 */
function timingOutTransport(
  base: typeof http | typeof https,
  timeoutMs: number,
): Pick<typeof http, 'request'> {
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
    const req = base.request({ ...options, timeout: timeoutMs }, callback);
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error('S3 request timed out'), { code: 'ETIMEDOUT' }));
    });
    return req;
  };
  return { request: request as typeof http.request };
}
