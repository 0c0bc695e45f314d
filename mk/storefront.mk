# Storefront (frontends/storefront): one uni-app codebase -> H5 shop (served at /) + WeChat mini program.
SF := frontends/storefront
SF_SOURCES := $(shell find $(SF)/src $(SF)/build frontends/shared/src -type f 2>/dev/null) $(SF)/index.html \
	$(SF)/vite.config.js
SF_INSTALLED := $(SF)/node_modules/.shoplet-installed

.PHONY: storefront storefront-mp storefront-test storefront-openapi

# `npm ci` again whenever the lock file changes (or node_modules is missing).
$(SF_INSTALLED): $(SF)/package.json $(SF)/package-lock.json
	@$(STEP) storefront-npm-ci npm --prefix $(SF) ci --prefer-offline --no-audit --no-fund
	@touch $@

# Rebuild only when a source is newer than the build.
$(SF)/dist/build/h5/index.html: $(SF_INSTALLED) $(SF_SOURCES)
	@$(STEP) storefront-build bash -c 'cd $(SF) && npx uni build && node ../shared/scripts/precompress.mjs dist/build/h5'

$(SF)/dist/build/mp-weixin/app.json: $(SF_INSTALLED) $(SF_SOURCES)
	cd $(SF) && npx uni build -p mp-weixin

storefront: $(SF)/dist/build/h5/index.html

storefront-mp: $(SF)/dist/build/mp-weixin/app.json

# Type check (vue-tsc, checkJs over the JS and .vue files) and lint (ESLint, zero warnings), unit
# tests (stores, helpers, API client vs the shared OpenAPI snapshot), the mini program build checks
# (every page compiled, main package <= 2 MB, pages rendered in miniprogram-simulate), then no
# third-party host in either build.
storefront-test: $(SF_INSTALLED) storefront storefront-mp
	cd $(SF) && npm run --silent typecheck && npm run --silent lint
	cd $(SF) && npx vitest run && npx vitest run -c vitest.mp.config.js
	cd $(SF) && npm run --silent check:dist

# The storefront and the console share one snapshot (frontends/shared/src/openapi.json).
storefront-openapi: console-openapi

FRONTEND_BUILD_TARGETS += storefront
FRONTEND_TEST_TARGETS += storefront-test
