#!/usr/bin/env bash
# Every test: prepares the host (docker/host-setup.sh), checks formatting and lints, runs the
# workspace's tests natively and against real images, each fuzz target briefly, then the
# benchmarks in their short mode.
# Prints how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Docker tests must run here, never skip: the setup below provides the engine.
export FROMSCRATCH_REQUIRE_DOCKER=${FROMSCRATCH_REQUIRE_DOCKER:-1}
# Likewise the reference programs (Debian's cowsay) the differential tests compare with.
export FROMSCRATCH_REQUIRE_ORACLES=${FROMSCRATCH_REQUIRE_ORACLES:-1}
# And headless Chromium for the browser checks.
export FROMSCRATCH_REQUIRE_BROWSER=${FROMSCRATCH_REQUIRE_BROWSER:-1}
export DOCKER=${DOCKER:-/usr/bin/docker}
# The soak test drives each server for a minute here (20 s in a bare `cargo test`).
export FROMSCRATCH_SOAK_SECS=${FROMSCRATCH_SOAK_SECS:-60}

phase() {
  local name=$1 start=$SECONDS
  shift
  echo "=== $name"
  "$@"
  echo "=== $name: $((SECONDS - start)) s"
}

# The fuzz crate is its own workspace (nightly), so it is checked on its own.
fmt() {
  cargo fmt --all -- --check
  cargo fmt --manifest-path fuzz/Cargo.toml -- --check
}
clippy() {
  cargo clippy --workspace --all-targets --locked -- -D warnings
  (cd fuzz && cargo +nightly clippy --all-targets --locked -- -D warnings)
}

phase setup bash docker/host-setup.sh
# Every platform's crates in the lock file, before any step that reads it offline (cargo deny).
phase fetch cargo fetch --locked
phase fmt fmt
phase clippy clippy
# Licenses, banned and duplicate crates, sources (deny.toml). Offline: the advisory database
# cannot be fetched here.
phase deny cargo deny --frozen check licenses bans sources
phase test cargo test --workspace --locked
# Every fuzz target for a short while (a crash fails the run; longer runs: fuzz/README.md).
phase fuzz bash fuzz/run.sh "${FROMSCRATCH_FUZZ_SECS:-30}"
# The benchmark command in its short mode, so every run proves it works (figures: README).
phase bench bash tests/bench.sh --short
echo "=== all phases: $SECONDS s"
