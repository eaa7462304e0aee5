/**
 * `make migrate-assets [ARGS="--dry-run --prefix models/"]`: brings GLBs stored before the catalog into it
 * (see migrateAssets) and back-fills avatar configs' model_asset_id. Safe to run again: it changes nothing
 * the second time. New assets are queued for processing; a worker (`make worker`, or the API with
 * RUN_WORKERS) makes their variants.
 *
 *   --prefix <p>       storage prefix to scan (default models/)
 *   --dry-run          read and validate, print what would happen, change nothing
 *   --type <t>         asset type when the path does not name one (default base_model)
 *   --category <c>     category when the path does not name one (default humanoid)
 *   --key-prefix <k>   catalog keys become <k>/<path> (default migrated)
 *   --admin <email>    recorded as uploader (default: none)
 */
import { parseArgs } from 'node:util';
import { AssetType, categoryAllowed } from '@avatar/contracts';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { migrateAssets } from '../src/modules/uploads/migrate-assets.ts';
import { sharedValidatorThread } from '../src/modules/uploads/validator-thread.ts';
import { createRuntime } from '../src/runtime.ts';

const { values } = parseArgs({
  options: {
    prefix: { type: 'string', default: 'models/' },
    'dry-run': { type: 'boolean', default: false },
    type: { type: 'string', default: 'base_model' },
    category: { type: 'string', default: 'humanoid' },
    'key-prefix': { type: 'string', default: 'migrated' },
    admin: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const type = AssetType.safeParse(values.type);
if (!type.success) fail(`--type must be one of ${AssetType.options.join(', ')}`);
if (!categoryAllowed(type.data, values.category))
  fail(`--category ${values.category} is not allowed for ${type.data}`);
if (!/^[a-z0-9][a-z0-9-]*$/.test(values['key-prefix']))
  fail('--key-prefix: lowercase letters, digits and "-"');
const prefix = values.prefix.endsWith('/') || values.prefix === '' ? values.prefix : `${values.prefix}/`;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const runtime = await createRuntime(config);
try {
  let uploadedBy: string | null = null;
  if (values.admin) {
    const admin = await runtime.db
      .selectFrom('users')
      .select(['id', 'role'])
      .where('email', '=', values.admin.toLowerCase())
      .executeTakeFirst();
    if (admin?.role !== 'admin') fail(`--admin ${values.admin}: no admin with that email`);
    uploadedBy = admin.id;
  }
  const dryRun = values['dry-run'];
  console.log(
    `${dryRun ? 'Dry run: nothing will change. ' : ''}Scanning ${prefix || '(everything)'} in ${runtime.storage.kind} storage`,
  );
  const report = await migrateAssets(runtime, {
    prefix,
    dryRun,
    type: type.data,
    category: values.category,
    keyPrefix: values['key-prefix'],
    uploadedBy,
    log: (line) => console.log(line),
  });
  const { scanned, created, existing, skipped, invalid, linked } = report;
  console.log(
    `${scanned} objects: ${created} ${dryRun ? 'to create' : 'created'}, ${existing} already in the catalog, ` +
      `${invalid} invalid, ${skipped} not GLB; ${linked} avatar configs ${dryRun ? 'to link' : 'linked'}`,
  );
  process.exitCode = invalid > 0 ? 2 : 0;
} finally {
  await sharedValidatorThread().close();
  await runtime.close();
}
