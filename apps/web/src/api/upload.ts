import type { ErrorBody, UploadFields, UploadResult, ValidationIssue } from '@avatar/contracts';
import { csrfHeaders } from './trpc.ts';

export type { UploadFields, UploadResult };

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

type ErrorFields = Omit<Partial<ErrorBody>, 'code' | 'reason'> & {
  message: string;
  code?: string;
  reason?: string;
};

/** A refused or failed upload, carrying the server's safe message and, for a rejected file, its issues. */
export class UploadError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reason: string | undefined;
  readonly requestId: string | undefined;
  readonly issues: ValidationIssue[];
  /** For a duplicate file: the catalog entry that already has these bytes. */
  readonly existingId: string | undefined;

  constructor(status: number, body: ErrorFields) {
    super(body.message);
    this.name = 'UploadError';
    this.status = status;
    this.code = body.code ?? 'INTERNAL_SERVER_ERROR';
    this.reason = body.reason;
    this.requestId = body.requestId;
    const errors = body.details?.errors;
    this.issues = Array.isArray(errors) ? (errors as ValidationIssue[]) : [];
    const existing = body.details?.existingId;
    this.existingId = typeof existing === 'string' ? existing : undefined;
  }
}

export const UPLOAD_PATH = '/resources/upload';
/** The code of an upload the user cancelled: not an error worth a red banner. */
export const CANCELLED = 'CANCELLED';

/**
 * Streams a file to the upload route with XMLHttpRequest, because fetch still reports no upload
 * progress. The text fields go first so the server knows where the file belongs before its bytes arrive.
 */
export function uploadAsset(
  file: File,
  fields: UploadFields,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const form = new FormData();
  form.append('type', fields.type);
  form.append('category', fields.category);
  form.append('name', fields.name);
  form.append('key', fields.key);
  form.append('version', fields.version);
  if (fields.tags.length > 0) form.append('tags', fields.tags.join(','));
  form.append('file', file, file.name);

  return new Promise<UploadResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_PATH);
    xhr.withCredentials = true;
    xhr.responseType = 'text';
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);

    xhr.upload.onprogress = (event) => {
      options.onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && body && typeof body === 'object' && 'id' in body) {
        resolve(body as UploadResult);
        return;
      }
      reject(new UploadError(xhr.status, errorBody(xhr.status, body)));
    };
    xhr.onerror = () =>
      reject(
        new UploadError(0, {
          code: 'SERVICE_UNAVAILABLE',
          message: "Can't reach the server. Check your connection and try again.",
        }),
      );
    xhr.onabort = () => reject(new UploadError(0, { code: CANCELLED, message: 'Upload cancelled.' }));

    if (options.signal?.aborted) {
      reject(new UploadError(0, { code: CANCELLED, message: 'Upload cancelled.' }));
      return;
    }
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The server's error body when there is one; a sentence of our own when a proxy answered instead. */
function errorBody(status: number, body: unknown): ErrorFields {
  if (body && typeof body === 'object' && typeof (body as ErrorBody).message === 'string') {
    const parsed = body as ErrorBody;
    // The app's catch-all 404, as opposed to a 404 the upload route itself might answer.
    if (status === 404 && parsed.message.startsWith('No route for')) {
      return { ...parsed, message: 'This server does not accept uploads yet (no upload route).' };
    }
    return parsed;
  }
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', message: 'The file is too large for the server.' };
  if (status === 401) return { code: 'UNAUTHORIZED', message: 'Your session has ended. Sign in again.' };
  return {
    code: 'INTERNAL_SERVER_ERROR',
    message: `The upload failed (HTTP ${status}). Try again in a moment.`,
  };
}
