import { loadConfig } from '../config/config.ts';
import { createDatabase } from './database.ts';
import { migrateDown, migrateToLatest } from './migrate.ts';

// `make migrate` (up to latest) and `make migrate-down` (one step back).
const config = loadConfig();
const db = createDatabase({ url: config.DATABASE_URL, poolMax: 1 });
try {
  const lines = process.argv.includes('down') ? await migrateDown(db) : await migrateToLatest(db);
  console.log(lines.length ? lines.join('\n') : 'schema is up to date');
} catch (error) {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
