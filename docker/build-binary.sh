#!/bin/sh
# Builds one program in a Dockerfile's build stage and leaves the static binary at /PROGRAM.
#   sh docker/build-binary.sh PROGRAM [stable|min [OUTDIR]]     (OUTDIR: / unless given)
# The stage runs on the build machine's own platform (FROM --platform=$BUILDPLATFORM) and
# cross-compiles for the image's platform, which BuildKit passes as TARGETPLATFORM: rustc never
# runs under emulation.
# stable: the workspace's release profile with the builder's stable toolchain (what the tutorial
#   commands build). min: a nightly toolchain rebuilds std with immediate-abort panics and
#   opt-level "z", and without default features (dirserve's gzip on the fly), for the smallest
#   binary (`--build-arg FLAVOUR=min`).
set -eu
program=$1
flavour=${2:-stable}
out=${3:-}
. docker/rust-target.sh

[ -n "${TARGETPLATFORM:-}" ] || {
  echo "build-binary.sh: TARGETPLATFORM is not set: build with BuildKit (DOCKER_BUILDKIT=1)" >&2
  exit 2
}
target=$(rust_target "$TARGETPLATFORM")
use_rust_lld "$target"
echo "build-binary.sh: $program ($flavour) for $TARGETPLATFORM as $target, built on ${BUILDPLATFORM:-?}"

# The target directory is a cache shared by every build on this engine, and cargo trusts mtimes:
# touching the sources first means a cached artifact from another checkout is never taken for
# this one's (the dependencies, immutable by version, stay cached).
find . -path ./target -prune -o -type f -exec touch {} +

# has_target SYSROOT: whether that toolchain carries the target's standard library.
has_target() {
  [ -d "$1/lib/rustlib/$target" ]
}

case $flavour in
stable)
  if command -v rustup >/dev/null; then
    # The official image has rustup: fetch the target unless it is the image's own.
    rustup target add "$target"
  elif ! has_target "$(rustc --print sysroot)"; then
    echo "build-binary.sh: this builder has no Rust standard library for $target" >&2
    exit 2
  fi
  RUSTFLAGS=$RELEASE_RUSTFLAGS cargo build --release --locked --target "$target" -p "$program"
  ;;
min)
  if [ -x /usr/local/rust-nightly/bin/cargo ]; then
    # The local stand-in builder carries a nightly toolchain with rust-src.
    PATH=/usr/local/rust-nightly/bin:$PATH
    has_target /usr/local/rust-nightly || {
      echo "build-binary.sh: FLAVOUR=min: this builder's nightly has no musl objects for $target" >&2
      exit 2
    }
    set -- cargo
  else
    # The official image has rustup: fetch a nightly with rust-src.
    rustup toolchain install nightly --profile minimal --component rust-src --target "$target"
    set -- cargo +nightly
  fi
  # optimize_for_size: the standard library's smaller variants (sorting, formatting).
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none $RELEASE_RUSTFLAGS" \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
    "$@" build --release --locked --target "$target" -p "$program" --no-default-features \
    -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
  ;;
*)
  echo "build-binary.sh: FLAVOUR is stable or min, not '$flavour'" >&2
  exit 2
  ;;
esac

cp "target/$target/release/$program" "$out/$program"
# A fixed mtime, so rebuilding the same commit gives a bit-identical layer.
touch -t 200001010000.00 "$out/$program"
