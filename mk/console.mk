# Merchant console (frontends/console): Vue 3 + Vite + Element Plus + ECharts, served at /console.
CONSOLE_DIR := frontends/console
CONSOLE_SOURCES := $(shell find $(CONSOLE_DIR)/src $(CONSOLE_DIR)/public frontends/shared/src -type f 2>/dev/null) \
	$(CONSOLE_DIR)/index.html $(CONSOLE_DIR)/vite.config.ts $(CONSOLE_DIR)/tsconfig.json \
	$(CONSOLE_DIR)/env.d.ts $(CONSOLE_DIR)/package-lock.json

.PHONY: console console-test console-openapi

# npm ci only when the lock file is newer than the installed tree.
$(CONSOLE_DIR)/node_modules/.package-lock.json: $(CONSOLE_DIR)/package.json $(CONSOLE_DIR)/package-lock.json
	@$(STEP) console-npm-ci npm --prefix $(CONSOLE_DIR) ci --prefer-offline --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilt only when a source is newer than the last build. Vite only: the type check
# (vue-tsc) runs in console-test, so `make run` does not wait for it.
$(CONSOLE_DIR)/dist/index.html: $(CONSOLE_SOURCES) $(CONSOLE_DIR)/node_modules/.package-lock.json
	@$(STEP) console-build bash -c 'cd $(CONSOLE_DIR) && npx vite build && node ../shared/scripts/precompress.mjs dist'
	@touch $@

console: $(CONSOLE_DIR)/dist/index.html

# Type check, lint (ESLint, zero warnings), unit tests, then no third-party host in the build.
console-test: $(CONSOLE_DIR)/node_modules/.package-lock.json console
	cd $(CONSOLE_DIR) && npx vue-tsc --noEmit && npm run --silent lint && npx vitest run
	cd $(CONSOLE_DIR) && npm run --silent check:dist

# After a backend API change: refresh the one schema snapshot both front ends use
# (frontends/shared/src/openapi.json) and its generated TypeScript types.
console-openapi: dev $(CONSOLE_DIR)/node_modules/.package-lock.json
	$(BIN)/python frontends/shared/scripts/openapi_snapshot.py
	cd $(CONSOLE_DIR) && npm run --silent gen:api

FRONTEND_BUILD_TARGETS += console
FRONTEND_TEST_TARGETS += console-test
