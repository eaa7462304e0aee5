import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import S3rver from 's3rver';
import { createFilesRouter } from './files.route.ts';
import { LocalDriver } from './local.driver.ts';

export interface S3Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  /** s3rver checks SigV4 expiry but not the signature itself. */
  verifiesSignatures: boolean;
  close(): Promise<void>;
}

/**
 * The S3 server the s3 driver's tests run against: the one named by S3_ENDPOINT (MinIO in CI or `make
 * test`), else an s3rver started here on an ephemeral port. Only test code reads these variables.
 */
export async function startS3Target(): Promise<S3Target> {
  const env = process.env;
  if (env.S3_ENDPOINT) {
    return {
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      bucket: env.S3_BUCKET ?? 'assets',
      verifiesSignatures: true,
      close: async () => {},
    };
  }
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const bucket = 'storage-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's built-in account.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket,
    verifiesSignatures: false,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never answers: what a hung S3 endpoint looks like. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface LocalTarget {
  driver: LocalDriver;
  root: string;
  baseUrl: string;
  close(): Promise<void>;
}

export const TEST_SIGNING_SECRET = 'storage-tests-signing-secret-0123456789';

/** A local driver in a temp directory, its files router mounted on an express app on an ephemeral port. */
export async function startLocalTarget(now?: () => number): Promise<LocalTarget> {
  const root = await mkdtemp(join(tmpdir(), 'local-storage-'));
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The driver needs the origin, known only once listening; express takes routes after listen() too.
  const driver = new LocalDriver({
    root,
    publicBaseUrl: baseUrl,
    signingSecret: TEST_SIGNING_SECRET,
    ...(now ? { now } : {}),
  });
  app.use(createFilesRouter({ storage: driver }));
  return {
    driver,
    root,
    baseUrl,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
