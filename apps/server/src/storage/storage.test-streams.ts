import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { StorageError, type StorageErrorCode } from './storage-error.ts';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes, streamed in 64 KiB chunks without ever holding the whole. */
export function patternStream(totalBytes: number, seed = 1): Readable {
  return Readable.from(
    (function* () {
      let state = seed;
      for (let sent = 0; sent < totalBytes; ) {
        const chunk = Buffer.alloc(Math.min(64 * 1024, totalBytes - sent));
        for (let i = 0; i < chunk.length; i++) {
          state = (state * 1103515245 + 12345) >>> 0;
          chunk[i] = state >>> 24;
        }
        sent += chunk.length;
        yield chunk;
      }
    })(),
  );
}

/** A source that sends `goodBytes` and then fails, like a client hanging up mid-upload. */
export function failingStream(goodBytes: number, error: Error): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(goodBytes, 7);
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw error;
    })(),
  );
}

export async function expectStorageError(
  promise: Promise<unknown>,
  code: StorageErrorCode,
): Promise<StorageError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
  return error as StorageError;
}
