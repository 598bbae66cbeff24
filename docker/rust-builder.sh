#!/usr/bin/env bash
# Builds a local stand-in for the official `rust:*-alpine` builder image, for machines that cannot
# reach Docker Hub. It is a Debian root from debootstrap plus this machine's own Rust toolchain (with
# the musl target) and CA bundle, imported as one image. Every Dockerfile in docker/ takes it as
#   docker build --build-arg RUST_IMAGE=fromscratch/rust-builder:local ...
# Built once and reused while the tag exists; FROMSCRATCH_REBUILD_BUILDER=1 builds it anew.
set -euo pipefail

TAG=${FROMSCRATCH_BUILDER_TAG:-fromscratch/rust-builder:local}
DOCKER=${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}
SUITE=${DEBIAN_SUITE:-bookworm}

if [ "${FROMSCRATCH_REBUILD_BUILDER:-0}" != 1 ] && "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  echo "rust-builder: $TAG exists; reusing it"
  exit 0
fi

die() { echo "rust-builder: $*" >&2; exit 1; }
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install -y debootstrap)"
command -v rustc >/dev/null || die "no Rust toolchain on this machine (rustup)"
sysroot=$(rustc --print sysroot)
[ -d "$sysroot/lib/rustlib/x86_64-unknown-linux-musl" ] ||
  die "the musl target is missing: rustup target add x86_64-unknown-linux-musl"
ca=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca" ] || die "no CA bundle at $ca"

# The Debian mirror this machine's apt already uses (deb822 or one-line sources).
mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
  grep -v '^ *#' | grep -Eo 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)}
[ -n "$mirror" ] || die "no Debian mirror found in apt sources; set DEBIAN_MIRROR"

root=$(mktemp -d /tmp/rust-builder.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "rust-builder: debootstrap $SUITE from $mirror"
debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates "$SUITE" "$root" "$mirror" \
  >"$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; die "debootstrap failed (log: $root.log)"; }
rm -f "$root.log"

echo "rust-builder: adding $(rustc --version) from $sysroot"
mkdir -p "$root/usr/local/rust" "$root/usr/local/cargo"
# Docs are a third of a toolchain and no build reads them.
tar -C "$sysroot" --exclude=./share/doc -c . | tar -C "$root/usr/local/rust" -x
cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

tar -C "$root" -c . | "$DOCKER" import \
  -c 'ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV CARGO_HOME=/usr/local/cargo' \
  -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  -c 'ENV CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt' \
  -c 'WORKDIR /build' \
  - "$TAG" >/dev/null
echo "rust-builder: built $TAG ($("$DOCKER" image inspect -f '{{.Size}}' "$TAG") bytes)"
