/**
 * A worker process for `export.worker-kill.test.ts`: it takes an export job and then hangs while storing
 * the file, so the test can kill it mid-job. Configured from the environment the test passes.
 */
import { parseConfig } from '../../config/config.ts';
import { createDatabase } from '../../db/database.ts';
import { createLogger } from '../../http/logger.ts';
import { JobQueue } from '../../jobs/job-queue.ts';
import { storageFromConfig } from '../../storage/from-config.ts';
import { exportJobHandler } from './export.job.ts';

const config = parseConfig(process.env);
const logger = createLogger('silent');
const db = createDatabase({ url: config.DATABASE_URL, poolMax: 2 });
const storage = storageFromConfig(config);
storage.put = () => {
  process.stdout.write('STORING\n');
  return new Promise(() => {}); // never: the process is killed here
};
const jobs = await JobQueue.start({
  connectionString: config.DATABASE_URL,
  logger,
  pollingIntervalSeconds: 0.5,
});
await jobs.work('export.run', exportJobHandler({ config, db, logger, storage, jobs }));
process.stdout.write('READY\n');
