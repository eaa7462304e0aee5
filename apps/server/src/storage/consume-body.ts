import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { PutOptions } from './storage.types.ts';
import { StorageError } from './storage-error.ts';

/**
 * Wraps an error thrown by the caller's source stream, so a driver can clean up and rethrow it untouched
 * instead of mistaking it for its own failure (an upload size limit must reach the caller as itself).
 */
export class SourceFailed extends Error {
  constructor(readonly error: unknown) {
    super('source stream failed');
  }
}

export interface ConsumedBody {
  size: number;
  sha256: string;
}

/**
 * Feeds `body` chunk by chunk to `sink`, one at a time (the sink's pace is the backpressure), hashing and
 * counting on the way. Source errors come out as SourceFailed; sink errors as they are, after the source is
 * destroyed so it does not hang open.
 */
export async function consumeBody(
  body: Readable | Buffer,
  expectedSize: number | undefined,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<ConsumedBody> {
  const hash = createHash('sha256');
  let size = 0;
  const take = async (chunk: Buffer) => {
    size += chunk.length;
    if (expectedSize !== undefined && size > expectedSize) {
      throw new StorageError('CHECKSUM_MISMATCH', { detail: `more than the expected ${expectedSize} bytes` });
    }
    hash.update(chunk);
    await sink(chunk);
  };

  if (Buffer.isBuffer(body)) {
    await take(body);
  } else {
    const chunks = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw new SourceFailed(error);
      }
      if (next.done) break;
      try {
        await take(toBuffer(next.value));
      } catch (error) {
        body.destroy();
        throw error;
      }
    }
  }
  return { size, sha256: hash.digest('hex') };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new StorageError('INTERNAL', { detail: 'the body stream must yield bytes' });
}

/** Throws CHECKSUM_MISMATCH when what was consumed is not what the caller announced. */
export function verifyConsumed(consumed: ConsumedBody, options: Pick<PutOptions, 'sha256' | 'size'>): void {
  if (options.size !== undefined && consumed.size !== options.size) {
    throw new StorageError('CHECKSUM_MISMATCH', {
      detail: `expected ${options.size} bytes, got ${consumed.size}`,
    });
  }
  if (options.sha256 !== undefined && consumed.sha256 !== options.sha256.toLowerCase()) {
    throw new StorageError('CHECKSUM_MISMATCH', { detail: 'sha256 differs from the expected one' });
  }
}
