#!/usr/bin/env bash
# Every test: prepares the host (docker/host-setup.sh), checks formatting and lints, then runs the
# workspace's tests natively and against real images. Prints how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Docker tests must run here, never skip: the setup below provides the engine.
export FROMSCRATCH_REQUIRE_DOCKER=${FROMSCRATCH_REQUIRE_DOCKER:-1}
# Likewise the reference programs (Debian's cowsay) the differential tests compare with.
export FROMSCRATCH_REQUIRE_ORACLES=${FROMSCRATCH_REQUIRE_ORACLES:-1}
export DOCKER=${DOCKER:-/usr/bin/docker}

phase() {
  local name=$1 start=$SECONDS
  shift
  echo "=== $name"
  "$@"
  echo "=== $name: $((SECONDS - start)) s"
}

phase setup bash docker/host-setup.sh
phase fmt cargo fmt --all -- --check
phase clippy cargo clippy --workspace --all-targets --locked -- -D warnings
phase test cargo test --workspace --locked
echo "=== all phases: $SECONDS s"
