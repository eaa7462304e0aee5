# Every target installs what it needs first; `make dev` and `make test` are the two that matter.
PNPM := npx -y pnpm@10.34.9
TSX := node_modules/.bin/tsx
export NPM_CONFIG_UPDATE_NOTIFIER := false

.PHONY: install dev test test-faults typecheck lint format build build-web start worker migrate migrate-down migrate-assets openapi bench \
	minio-init minio-console minio-logs clean

install:
	@$(PNPM) install --frozen-lockfile --reporter=silent

dev: install
	@$(TSX) apps/server/src/dev/dev.ts

# Type-check, lint, build the web app (the browser test loads the built files), then every suite.
test: install typecheck lint build-web
	@$(PNPM) exec vitest run

# The fault suite alone (files named *.faults.test.ts: killed processes, storage and database outages,
# full disk, expired job leases) and the export worker-kill test; `make test` runs them too.
test-faults: install
	@$(PNPM) exec vitest run --project server .faults.test.ts worker-kill.test.ts

typecheck: install
	@$(PNPM) -r --reporter-hide-prefix typecheck
	@$(PNPM) exec tsc --noEmit -p bench/tsconfig.json

lint: install
	@$(PNPM) exec biome check .

format: install
	@$(PNPM) exec biome check --write .

build-web: install
	@$(PNPM) --filter @avatar/web build --logLevel warn

build: install typecheck build-web

# Production: the built web app served by the API process. Needs DATABASE_URL and SESSION_SECRET.
start: build
	NODE_ENV=production WEB_DIST=$(CURDIR)/apps/web/dist $(TSX) apps/server/src/main.ts

# A worker process: background jobs only, no HTTP (scale it apart from the API processes).
worker: install
	$(TSX) apps/server/src/worker.ts

migrate: install
	@$(TSX) apps/server/src/dev/migrate.ts

migrate-down: install
	@$(TSX) apps/server/src/dev/migrate.ts down

# GLBs stored before the catalog (default prefix models/) into it, and avatar configs linked to them;
# ARGS="--dry-run" prints what would change. Safe to repeat. Options: apps/server/scripts/migrate-assets-to-catalog.ts
migrate-assets: install
	@$(TSX) apps/server/scripts/migrate-assets.dev.ts $(ARGS)

# The committed OpenAPI document (a test fails when it drifts from the procedures).
openapi: install
	@$(TSX) apps/server/scripts/write-openapi.ts

bench: install
	@$(TSX) bench/run.ts

minio-init:
	docker compose run --rm minio-init

minio-console:
	@echo "MinIO console: http://127.0.0.1:9001 (user avatar, password avatar-secret)"

minio-logs:
	docker compose logs -f minio

clean:
	rm -rf apps/web/dist node_modules apps/*/node_modules packages/*/node_modules
