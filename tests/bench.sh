#!/usr/bin/env bash
# Benchmarks fromscratch against the programs it replaces, all measured in this one run on this
# machine (absolute figures vary between machines; compare the ratios). Loopback only, bounded.
#   bash tests/bench.sh          # full: wrk 10 s x 3 rounds per case, 50 start-up runs (~8 min)
#   bash tests/bench.sh --short  # CI: wrk 2 s, 10 start-up runs
# Prints a Markdown table and writes it as JSON to target/bench/results.json. Image sizes are of
# the images on this machine (docker/build.sh, and FLAVOUR=min builds for the min rows). Builds
# the release binaries it measures as the images and archives build them (rust-lld, the release
# flags of docker/rust-target.sh), then runs the benchmark itself, tests/src/bin/bench.rs: built
# in the dev profile, whose panics unwind, so it stops what it started on every path; run
# directly, not by `cargo run`, whose LD_LIBRARY_PATH and RUSTUP_* would reach the programs
# measured.
set -euo pipefail
cd "$(dirname "$0")/.."
. docker/rust-target.sh
use_rust_lld x86_64-unknown-linux-musl
RUSTFLAGS=$RELEASE_RUSTFLAGS cargo build -q --release --locked --target x86_64-unknown-linux-musl \
  -p pyprompt -p dirserve -p cowserve
cargo build -q --locked --manifest-path tests/Cargo.toml --bin bench
exec "${CARGO_TARGET_DIR:-target}/debug/bench" "$@"
