#!/usr/bin/env bash
# Builds a local stand-in for the official `rust:*-alpine` builder image, for machines that cannot
# reach Docker Hub. It is a Debian root from debootstrap plus this machine's own Rust toolchain (with
# the musl target of every tested platform: docker/rust-target.sh) and CA bundle, imported as one
# image. Every Dockerfile in docker/ takes it as
#   docker build --build-arg RUST_IMAGE=fromscratch/rust-builder:local ...
# It also carries this machine's nightly toolchain (with rust-src) for the min-size build flavour.
# Built once and reused while the tag exists with this script's VERSION; FROMSCRATCH_REBUILD_BUILDER=1
# builds it anew.
set -euo pipefail

TAG=${FROMSCRATCH_BUILDER_TAG:-fromscratch/rust-builder:local}
# shellcheck source=docker/debian-image.sh
. "$(dirname "$0")/debian-image.sh"

# Bumped whenever the image's contents change, so an older image is rebuilt rather than reused.
VERSION=4
have=$("$DOCKER" image inspect -f '{{index .Config.Labels "fromscratch.builder.version"}}' "$TAG" 2>/dev/null || true)
if [ "${FROMSCRATCH_REBUILD_BUILDER:-0}" != 1 ] && [ "$have" = "$VERSION" ]; then
  echo "rust-builder: $TAG (version $VERSION) exists; reusing it"
  exit 0
fi

command -v rustc >/dev/null || die "no Rust toolchain on this machine (rustup)"
sysroot=$(rustc --print sysroot)
# shellcheck source=docker/rust-target.sh
. "$(dirname "$0")/rust-target.sh"
triples=$(tested_triples)
for triple in $triples; do
  [ -d "$sysroot/lib/rustlib/$triple" ] || die "the $triple target is missing: rustup target add $triple"
done
ca=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca" ] || die "no CA bundle at $ca"

root=$(mktemp -d /tmp/rust-builder.XXXXXX)
trap 'rm -rf "$root"' EXIT
debian_root "$root" gcc,libc6-dev,ca-certificates

echo "rust-builder: adding $(rustc --version) from $sysroot"
mkdir -p "$root/usr/local/rust" "$root/usr/local/cargo"
# Docs are a third of a toolchain and no build reads them.
tar -C "$sysroot" --exclude=./share/doc -c . | tar -C "$root/usr/local/rust" -x
cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"

# The nightly toolchain, for `--build-arg FLAVOUR=min` (build-std needs rust-src).
nightly=$(rustc +nightly --print sysroot 2>/dev/null || true)
if [ -n "$nightly" ] && [ -d "$nightly/lib/rustlib/src" ]; then
  echo "rust-builder: adding $(rustc +nightly --version) from $nightly"
  mkdir -p "$root/usr/local/rust-nightly"
  # build-std compiles std itself: of each musl target it needs only the self-contained musl
  # objects (crt files and libc.a), not the prebuilt standard library (350 MB of the image).
  tar -C "$nightly" --exclude=./share/doc --exclude='./lib/rustlib/*-musl*' -c . |
    tar -C "$root/usr/local/rust-nightly" -x
  # Where nightly's rust-std for a target cannot be fetched, the objects come from the stable
  # toolchain: both ship the same musl release.
  for triple in $triples; do
    objects=lib/rustlib/$triple/lib/self-contained
    from=$nightly
    if [ ! -d "$nightly/$objects" ]; then
      echo "rust-builder: nightly has no $triple: using stable's musl objects for FLAVOUR=min"
      from=$sysroot
    fi
    mkdir -p "$root/usr/local/rust-nightly/$objects"
    cp -a "$from/$objects/." "$root/usr/local/rust-nightly/$objects/"
  done
else
  echo "rust-builder: no nightly with rust-src: FLAVOUR=min builds will not work" >&2
fi

import_root "$root" "$TAG" \
  'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'ENV CARGO_HOME=/usr/local/cargo' \
  'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  'ENV CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt' \
  'WORKDIR /build' \
  "LABEL fromscratch.builder.version=$VERSION"
