#!/usr/bin/env bash
# Installs what model-hotload's build and tests need, and only what is missing:
# safe to run again and again (`make setup` runs it before every build and test).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. Rust's wasm32 target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version Cargo.lock holds (the two must match).
[ -f Cargo.lock ] || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $want (had: ${have:-none}; about 2 minutes)"
  # Not --locked: its locked dependency set does not resolve from the registry here.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# 3. wasm-pack (it downloads nothing when wasm-bindgen and chromedriver are on PATH).
if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (about 1.5 minutes)"
  cargo install wasm-pack
fi

# 4. cargo-fuzz, for the fuzzing smoke (the nightly toolchain it uses comes with the machine).
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (about 1.5 minutes)"
  cargo install cargo-fuzz
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  say "the nightly toolchain is missing: cargo fuzz needs it (rustup toolchain install nightly)"
  rustup toolchain install nightly --profile minimal
fi

# 5. Debian's Chromium and ChromeDriver, for wasm-pack's browser tests and the e2e tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing chromium and chromium-driver from Debian"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 6. curl, which the CLI's test drives `model-hotload serve` with, as a user would.
if ! command -v curl >/dev/null; then
  say "installing curl from Debian"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq curl >/dev/null
fi

# 7. npm tooling, exactly as package-lock.json pins it.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm tooling from package-lock.json"
  npm ci --no-audit --no-fund
fi

say "ready: $(rustc --version | cut -d' ' -f1-2), wasm-bindgen $(wasm-bindgen --version | cut -d' ' -f2), $(wasm-pack --version), $(chromium --version 2>/dev/null | cut -d' ' -f1-2), node $(node --version)"
