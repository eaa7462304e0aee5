import { createRequire } from 'node:module';
import type Autocannon from 'autocannon';
import type Pg from 'pg';
import type * as Playwright from 'playwright-core';

// bench/ is not a workspace package: it borrows the server's own dependencies (resolved from
// apps/server, where pnpm installed them) instead of adding a package and a lockfile entry of its own.
// bench/tsconfig.json maps the same names for the type checker.
const requireFromServer = createRequire(new URL('../apps/server/package.json', import.meta.url));

export const autocannon = requireFromServer('autocannon') as typeof Autocannon;
export const pg = requireFromServer('pg') as typeof Pg;
export const playwright = requireFromServer('playwright-core') as typeof Playwright;
