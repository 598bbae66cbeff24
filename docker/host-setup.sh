#!/usr/bin/env bash
# Prepares this machine (Debian 12, root) to build the images, and nothing more: the musl targets,
# the Docker engine, the stand-in Rust builder image. Installs what is missing, starts a Docker
# engine if none answers. Idempotent: a second run only checks. Used by docker/build.sh; the
# test tools come from tests/setup.sh, which runs this first.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "host-setup: $*"; }
die() {
  say "$*" >&2
  exit 1
}

command -v rustup >/dev/null || die "rustup is needed (https://rustup.rs), with a stable toolchain"

# The musl targets make the static binaries, one per tested platform (docker/rust-target.sh); the
# stand-in builder carries them. rustup fetches them from the Rust toolchain server.
# shellcheck source=docker/rust-target.sh
. docker/rust-target.sh
installed=$(rustup target list --installed)
for triple in $(tested_triples); do
  grep -qx "$triple" <<<"$installed" || {
    say "adding the $triple target"
    rustup target add "$triple"
  }
done

# The min-size flavour builds std itself with a nightly toolchain: it needs rust-src, and the
# musl objects that nightly's rust-std brings (the stand-in builder takes stable's where the
# toolchain server has none for nightly, as for aarch64).
if rustup toolchain list | grep -q '^nightly'; then
  rustup component list --toolchain nightly --installed | grep -q '^rust-src' ||
    rustup component add rust-src --toolchain nightly
  for triple in x86_64-unknown-linux-musl i686-unknown-linux-musl; do
    rustup target list --toolchain nightly --installed | grep -qx "$triple" ||
      rustup target add "$triple" --toolchain nightly
  done
fi

# Debian's packages: the engine with a BuildKit-capable client (/usr/bin/docker), and debootstrap
# for the stand-in builder image.
bash docker/apt-install.sh docker.io debootstrap

export DOCKER=${DOCKER:-/usr/bin/docker}
if ! "$DOCKER" version >/dev/null 2>&1; then
  say "starting dockerd"
  nohup dockerd >/var/log/fromscratch-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    "$DOCKER" version >/dev/null 2>&1 && break
    sleep 1
  done
  "$DOCKER" version >/dev/null 2>&1 || {
    tail -n 20 /var/log/fromscratch-dockerd.log >&2
    say "dockerd did not answer within 60 s" >&2
    exit 1
  }
fi

# Docker Hub is out of reach here: build the stand-in for rust:*-alpine (reused while it exists).
bash docker/rust-builder.sh
