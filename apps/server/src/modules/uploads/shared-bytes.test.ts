import { describe, expect, it } from 'vitest';
import { SharedBytesPool } from './shared-bytes.ts';

const bytesOf = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe('SharedBytesPool', () => {
  it('copies the bytes into shared memory, exactly as long as the input', () => {
    const lease = new SharedBytesPool().lease(bytesOf(1000, 7));
    expect(lease.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(lease.bytes.byteLength).toBe(1000);
    expect(lease.bytes.every((b) => b === 7)).toBe(true);
  });

  it('hands a released buffer to the next lease that fits, with the new bytes in it', () => {
    const pool = new SharedBytesPool({ minBufferBytes: 4096 });
    const first = pool.lease(bytesOf(3000, 1));
    first.release();
    const second = pool.lease(bytesOf(2000, 2));
    expect(second.bytes.buffer).toBe(first.bytes.buffer);
    expect(second.bytes.byteLength).toBe(2000);
    expect(second.bytes.every((b) => b === 2)).toBe(true);
  });

  it('never hands out a buffer that is still leased', () => {
    const pool = new SharedBytesPool();
    const held = pool.lease(bytesOf(100, 1));
    const other = pool.lease(bytesOf(100, 2));
    expect(other.bytes.buffer).not.toBe(held.bytes.buffer);
    expect(held.bytes.every((b) => b === 1)).toBe(true);
  });

  it('releasing twice returns the buffer once', () => {
    const pool = new SharedBytesPool({ minBufferBytes: 4096 });
    const lease = pool.lease(bytesOf(10, 1));
    lease.release();
    lease.release();
    expect(pool.retainedBytes).toBe(4096);
    const a = pool.lease(bytesOf(10, 2));
    const b = pool.lease(bytesOf(10, 3));
    expect(a.bytes.buffer).not.toBe(b.bytes.buffer);
  });

  it('does not reuse a retired buffer (a thread that timed out may still read it)', () => {
    const pool = new SharedBytesPool();
    const lease = pool.lease(bytesOf(100, 1));
    pool.retire(lease.bytes);
    lease.release();
    expect(pool.retainedBytes).toBe(0);
    expect(pool.lease(bytesOf(100, 2)).bytes.buffer).not.toBe(lease.bytes.buffer);
  });

  it('gives a large upload memory of its own, not kept after it', () => {
    const pool = new SharedBytesPool({ minBufferBytes: 1024, maxBufferBytes: 4096 });
    const large = pool.lease(bytesOf(5000, 1));
    expect(large.bytes.buffer.byteLength).toBe(5000);
    large.release();
    expect(pool.retainedBytes).toBe(0);
  });

  it('keeps no more free memory than it is allowed', () => {
    const pool = new SharedBytesPool({ minBufferBytes: 1024, maxRetainedBytes: 3000 });
    const leases = [pool.lease(bytesOf(1024, 1)), pool.lease(bytesOf(1024, 2)), pool.lease(bytesOf(1024, 3))];
    for (const lease of leases) lease.release();
    expect(pool.retainedBytes).toBe(2048);
  });
});
