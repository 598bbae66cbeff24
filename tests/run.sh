#!/usr/bin/env bash
# Every test: prepares the host (tests/setup.sh), checks formatting, lints and dependencies, runs
# the workspace's tests natively and against real images, then the tests a bare `cargo test`
# leaves out (comparisons with CPython and Debian's files, the soak), the release archives of
# every platform with the suites run against their binaries, each fuzz target briefly, then the
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
# And kubernetes-validate and checkov for the Kubernetes manifests.
export FROMSCRATCH_REQUIRE_KUBE_TOOLS=${FROMSCRATCH_REQUIRE_KUBE_TOOLS:-1}
export DOCKER=${DOCKER:-/usr/bin/docker}
# The soak test drives each server for a minute here (20 s when run by hand).
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
  # What only the static (musl) builds compile: servekit's thread_name.
  cargo clippy -p servekit --target x86_64-unknown-linux-musl --locked -- -D warnings
  (cd fuzz && cargo +nightly clippy --all-targets --locked -- -D warnings)
}

# Whether this machine runs ARCH's binaries itself (x86_64 runs i686's too); others run under
# qemu-user through binfmt (tests/setup.sh).
runs_natively() {
  local host
  host=$(uname -m)
  [ "$1" = "$host" ] || { [ "$1" = i686 ] && [ "$host" = x86_64 ]; }
}

# The release archives (docker/release.sh, checked by tests/tests/release.rs), then the suites
# that drive the binaries, run against each archive's own binaries (FROMSCRATCH_BIN_DIR).
platforms() {
  local -a archives skip
  local archive folder arch how start
  cargo test -p e2e --locked --test release -- --ignored
  # The test has just built every target, so this only packs the archives that are kept.
  bash docker/release.sh target/dist
  # Exactly this run's archives: older versions' may still lie in target/dist.
  mapfile -t archives < <(awk '{ print $2 }' target/dist/SHA256SUMS)
  unpacked=$(mktemp -d)
  trap 'rm -rf "$unpacked"' EXIT
  for archive in "${archives[@]}"; do
    start=$SECONDS
    folder=${archive%.tar.gz}
    # fromscratch-VERSION-ARCH-unknown-linux-ABI: VERSION may hold dashes itself.
    arch=${folder%-unknown-linux-*}
    arch=${arch##*-}
    skip=()
    how=natively
    if ! runs_natively "$arch"; then
      how="under qemu-user"
      # wait4's peak RSS is then the emulator's (about 11 MB), not pyprompt's: its memory bound
      # can only be measured natively, which the other archives and the test phase do.
      skip=(--skip endless_line_streams_in_bounded_memory)
    fi
    tar --extract --gzip --file "target/dist/$archive" --directory "$unpacked"
    echo "--- $folder, $how"
    FROMSCRATCH_BIN_DIR=$unpacked/$folder cargo test -p e2e --locked \
      --test pyprompt --test cowsay_differential --test dirserve_http -- --exact "${skip[@]}"
    echo "--- $folder: $((SECONDS - start)) s"
  done
  crate_tests_on_other_platforms
}

# The product crates' own tests (unit, in-process handlers, properties) built for each tested
# platform but the host's and run natively or under qemu-user: 32-bit arithmetic (i686) and
# another machine (aarch64) for the code that no socket suite reaches any more.
crate_tests_on_other_platforms() {
  local triple arch start
  local -a skip
  # shellcheck source=docker/rust-target.sh
  . docker/rust-target.sh
  for triple in $(tested_triples); do
    arch=${triple%%-*}
    [ "$arch" != "$(uname -m)" ] || continue
    start=$SECONDS
    skip=()
    if ! runs_natively "$arch"; then
      # qemu-user 7.2 has no openat2, so the resolver takes its fallback there; these two hold
      # it to openat2 (real arm64 kernels have it: 5.6 and later), which the host runs.
      skip=(--skip resolve::tests::traversal_table_with_openat2
        --skip resolve::tests::root_path_is_held_by_descriptor)
    fi
    use_rust_lld "$triple"
    echo "--- crate tests for $triple"
    cargo test --locked --target "$triple" -p cachealloc -p servekit -p dirserve -p cowserve \
      -p pyprompt -- "${skip[@]}"
    echo "--- crate tests for $triple: $((SECONDS - start)) s"
  done
}

# The crates of every platform in both lock files, before any step that reads them offline
# (cargo deny).
fetch() {
  cargo fetch --locked
  (cd fuzz && cargo +nightly fetch --locked)
}
# Dependencies declared and never used, in both workspaces.
machete() {
  cargo machete
  cargo machete fuzz
}
# What a bare `cargo test` leaves out as ignored, to stay quick and need nothing installed: the
# product crates' comparisons with CPython 3.11 and Debian's cows and fortunes, and the soak.
ignored() {
  cargo test -p dirserve -p cowserve --locked -- --ignored
  cargo test -p e2e --locked --test soak -- --ignored
}

phase setup bash tests/setup.sh
phase fetch fetch
phase fmt fmt
phase clippy clippy
# Licenses, banned and duplicate crates, sources (deny.toml). Offline: the advisory database
# cannot be fetched here.
phase deny cargo deny --frozen check licenses bans sources
phase machete machete
# The allocator, the one crate built on unsafe code, under Miri (undefined behaviour, leaks).
phase miri cargo +nightly miri test -p cachealloc --locked
phase test cargo test --workspace --locked
phase ignored ignored
phase platforms platforms
# Every fuzz target for a short while (a crash fails the run; longer runs: fuzz/README.md).
phase fuzz bash fuzz/run.sh "${FROMSCRATCH_FUZZ_SECS:-30}"
# The benchmark command in its short mode, so every run proves it works (figures: docs/benchmarks.md).
phase bench bash tests/bench.sh --short
echo "=== all phases: $SECONDS s"
