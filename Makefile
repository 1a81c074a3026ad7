# model-hotload. `make playground` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: setup build playground test test-native test-clippy test-browser test-node test-e2e test-package test-fuzz fuzz bench test-bench update-types clean

## Install what is missing (idempotent): wasm32 target, wasm-bindgen-cli, wasm-pack, chromium, npm tooling.
setup:
	@bash tools/setup.sh

## Build the npm package into pkg/ (and the playground's copy into www/pkg/), as wasm-pack.toml says.
build: setup
	node tools/build.mjs

## Build and serve the playground at http://127.0.0.1:8080/ (PORT overrides the port).
playground: build
	node tools/serve.mjs

## Every test layer.
test: setup test-clippy test-native test-fuzz build test-node test-package test-e2e test-browser test-bench
	@echo "make test: all layers passed"

test-clippy:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --quiet
	RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --quiet --target wasm32-unknown-unknown

test-native:
	cargo test --workspace

test-node:
	node --test tests/node/

test-package:
	node --test tests/package/

## Benchmarks, against ../shared/bench/reference.mjs when it is there: prints a table and writes BENCHMARKS.md.
bench: build
	node --expose-gc bench/run.mjs

## The benchmark once, in quick mode, to prove it runs (no timings are asserted anywhere).
test-bench:
	node --expose-gc bench/run.mjs --quick --out $$(mktemp -d)/BENCHMARKS.md > /dev/null && echo "bench: quick run ok"

## After an intended change to the package's types: refresh the reference the tests diff against.
update-types: build
	node -e 'const fs=require("fs");const t=fs.readFileSync("pkg/web/model_hotload.d.ts","utf8").split("export type InitInput")[0].trimEnd()+"\n";fs.writeFileSync("tests/package/model_hotload.d.ts",t)'

test-e2e:
	node --test tests/e2e/

## A short smoke of each fuzz target (new inputs go to a temporary folder, not the committed corpus).
FUZZ_SECONDS ?= 25
test-fuzz:
	cd fuzz && for t in request_text sequences facade; do \
	  out=$$(mktemp -d) && cargo +nightly fuzz run $$t $$out corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -seed=1 2>&1 | grep -E '^Done|^==|panicked|SUMMARY|Test unit' ; \
	  status=$${PIPESTATUS[0]}; rm -rf $$out; [ $$status -eq 0 ] || exit $$status; \
	done

## A long fuzzing run of each target: make fuzz FUZZ_SECONDS=600
fuzz: FUZZ_SECONDS = 600
fuzz: test-fuzz

test-browser:
	wasm-pack test --headless --chrome -- --test web

clean:
	rm -rf target pkg www/pkg node_modules
