# Stackprint: `make run` serves it, `make test` runs every test. Both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

WASM_BINDGEN_VERSION := 0.2.130
BINARYEN_VERSION := 132
TOOLS := $(CURDIR)/.tools
# Cargo's output; several checkouts may share one through CARGO_TARGET_DIR. The site stays per checkout.
TARGET := $(abspath $(or $(CARGO_TARGET_DIR),target))
SITE := target/site
PKG := $(SITE)/pkg
export PATH := $(TOOLS)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run build test bench tools test-tools site-debug site-release wasm-check fmt clean

## run: build release, migrate and serve on http://127.0.0.1:3000 (SQLite under ./data)
run: build
	mkdir -p data
	$(TARGET)/release/stackprint serve

## build: the release binary with the optimized WASM bundle, CSS and assets compiled in: one file to deploy
build: tools site-release
	cargo build --release -p server --features embed-site

## test: unit, storage (SQLite + throwaway PostgreSQL), HTTP, real tracers and browser tests
test: tools test-tools site-debug wasm-check
	scripts/with-postgres.sh cargo test
	cd end2end && STACKPRINT_BIN=$(TARGET)/debug/stackprint npx playwright test
	scripts/with-postgres.sh bash -c 'cd end2end && STACKPRINT_E2E_DATABASE_URL=$$STACKPRINT_TEST_POSTGRES_URL \
		STACKPRINT_BIN=$(TARGET)/debug/stackprint npx playwright test --output test-results/postgres'
	# Last: it rebuilds the server with the debug site compiled in (the binary the browser tests ran
	# reads target/site), then copies that binary alone into an empty directory and serves from there.
	cargo test -p server --features embed-site --test single_binary

## bench: intake throughput (mixed traffic, error storm, hostile bodies), then JSON API and
#        server-rendered page latency with BENCH_EVENTS stored, and the release WASM bundle's size
#        (SQLite, release build). Knobs: BENCH_PHASES (all; or a comma list of mixed, storm, hostile,
#        explorer; intake = the first three), BENCH_EVENTS (1000000), BENCH_SPANS (2000000),
#        BENCH_STORM_EVENTS (50000), BENCH_SAMPLES (100 requests per query), BENCH_SERVER_LOG (warn),
#        BENCH_KEEP_DATA (set: keep the database for inspection).
bench: tools site-release
	cargo bench -p server --bench ingest

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if ! wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)"; then \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi

# wasm-opt shrinks the release bundle about tenfold; npm's binaryen ships it (Debian's is too old).
$(TOOLS)/node_modules/.bin/wasm-opt:
	mkdir -p $(TOOLS)
	npm install --prefix $(TOOLS) --no-audit --no-fund binaryen@$(BINARYEN_VERSION)

# Debian's chromium for the browser tests, PostgreSQL 15 for the storage suite, tracers for end2end/.
test-tools:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	 [ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql-15"; \
	 if [ -n "$$missing" ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
	end2end/setup.sh

site-debug:
	cargo build -p frontend --lib --target wasm32-unknown-unknown --features hydrate
	wasm-bindgen --target web --no-typescript --out-dir $(PKG) --out-name stackprint \
		$(TARGET)/wasm32-unknown-unknown/debug/frontend.wasm
	cp style/main.css $(PKG)/stackprint.css
	cp -r app/public/. $(SITE)/

site-release: $(TOOLS)/node_modules/.bin/wasm-opt
	cargo build -p frontend --lib --target wasm32-unknown-unknown --features hydrate --profile wasm-release
	wasm-bindgen --target web --no-typescript --out-dir $(PKG) --out-name stackprint \
		$(TARGET)/wasm32-unknown-unknown/wasm-release/frontend.wasm
	wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
		-o $(PKG)/stackprint_bg.wasm $(PKG)/stackprint_bg.wasm
	cp style/main.css $(PKG)/stackprint.css
	cp -r app/public/. $(SITE)/
	@echo "WASM bundle: $$(stat -c %s $(PKG)/stackprint_bg.wasm) bytes ($$(gzip -c $(PKG)/stackprint_bg.wasm | wc -c) gzipped)"

# The pure domain crate must stay free of I/O so the browser can run the same grouping and queries.
wasm-check:
	cargo build -p domain --target wasm32-unknown-unknown

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf $(TOOLS) end2end/node_modules end2end/.venv
