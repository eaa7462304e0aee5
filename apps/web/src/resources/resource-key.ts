/** Query parameters that sign a URL (the local driver's and S3's): they change, the object does not. */
const SIGNING_PARAMS = /^(exp|sig|x-amz-.*)$/i;

/**
 * The cache key of a file URL: the URL without its signature, so a freshly signed URL for an object
 * already downloaded is a cache hit. Published objects are immutable (a new version is a new key).
 */
export function resourceKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url, globalThis.location?.href ?? 'http://localhost/');
  } catch {
    return url;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SIGNING_PARAMS.test(name)) parsed.searchParams.delete(name);
  }
  parsed.hash = '';
  return parsed.href;
}

/**
 * When a signed URL stops working, in ms since the epoch, or null when it does not say (a CDN URL).
 * Reads the local driver's `exp` (seconds) and S3's `X-Amz-Date` + `X-Amz-Expires`.
 */
export function signedUrlExpiry(url: string): number | null {
  let params: URLSearchParams;
  try {
    params = new URL(url, globalThis.location?.href ?? 'http://localhost/').searchParams;
  } catch {
    return null;
  }
  const exp = Number(params.get('exp'));
  if (params.has('exp') && Number.isFinite(exp)) return exp * 1000;
  const date = params.get('X-Amz-Date');
  const seconds = Number(params.get('X-Amz-Expires'));
  if (date && Number.isFinite(seconds)) {
    const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    if (match) {
      const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
      return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + seconds * 1000;
    }
  }
  return null;
}
