import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.ts';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  onPoolError?: (error: Error) => void;
}

export function createDatabase({ url, poolMax = 10, onPoolError }: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (PostgreSQL restarted) must not crash the process: the pool
  // drops that client and the next query opens a new connection.
  pool.on('error', (error) => onPoolError?.(error));
  // A client in use has no pool listener: its connection dying would be an uncaught 'error' event. The
  // query running on it fails on its own (and is classified 503), so the event itself needs no handling.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
