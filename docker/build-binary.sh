#!/bin/sh
# Builds one program in a Dockerfile's build stage and leaves the static binary at /PROGRAM.
#   sh docker/build-binary.sh PROGRAM [stable|min [OUTDIR]]     (OUTDIR: / unless given)
#   sh docker/build-binary.sh --deps [stable|min]
# --deps compiles the dependencies of every program, as the program builds will, in the
# workspace's skeleton (docker/cargo-skeleton.sh): the layer it makes is the same in every
# Dockerfile, so one build of them serves the three images until a manifest or Cargo.lock
# changes.
# The stage runs on the build machine's own platform and cross-compiles for the image's, which
# BuildKit and Podman pass as TARGETPLATFORM: rustc never runs under emulation. The legacy
# builder passes none and runs the stage on its own machine, whose platform is then the target.
# stable: the workspace's release profile with the builder's stable toolchain (what the tutorial
#   commands build). min: a nightly toolchain rebuilds std with immediate-abort panics and
#   opt-level "z", and without default features (gzip on the fly, flag suggestions, the health
#   check following a trailing PORT), for the smallest binary (`--build-arg FLAVOUR=min`).
set -eu
program=$1
flavour=${2:-stable}
out=${3:-}
. docker/rust-target.sh
# What --deps builds for: every Dockerfile's program.
PROGRAMS="pyprompt dirserve cowserve"

if [ -z "${TARGETPLATFORM:-}" ]; then
  TARGETPLATFORM=$(machine_platform) || exit 2
fi
target=$(rust_target "$TARGETPLATFORM")
use_rust_lld "$target"
echo "build-binary.sh: $program ($flavour) for $TARGETPLATFORM as $target, built on ${BUILDPLATFORM:-this machine}"

# has_target SYSROOT: whether that toolchain carries the target's standard library.
has_target() {
  [ -d "$1/lib/rustlib/$target" ]
}

# The flavour's cargo (with its toolchain), the flags it adds, and its environment.
case $flavour in
stable)
  if command -v rustup >/dev/null; then
    # The official image has rustup: fetch the target unless it is the image's own.
    rustup target add "$target"
  elif ! has_target "$(rustc --print sysroot)"; then
    echo "build-binary.sh: this builder has no Rust standard library for $target" >&2
    exit 2
  fi
  cargo=cargo
  flags=
  export RUSTFLAGS="$RELEASE_RUSTFLAGS"
  ;;
min)
  if [ -x /usr/local/rust-nightly/bin/cargo ]; then
    # The local stand-in builder carries a nightly toolchain with rust-src.
    PATH=/usr/local/rust-nightly/bin:$PATH
    has_target /usr/local/rust-nightly || {
      echo "build-binary.sh: FLAVOUR=min: this builder's nightly has no musl objects for $target" >&2
      exit 2
    }
    cargo=cargo
  else
    # The official image has rustup: fetch a nightly with rust-src.
    rustup toolchain install nightly --profile minimal --component rust-src --target "$target"
    cargo="cargo +nightly"
  fi
  # optimize_for_size: the standard library's smaller variants (sorting, formatting).
  flags="--no-default-features -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size"
  export RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none $RELEASE_RUSTFLAGS"
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
  ;;
*)
  echo "build-binary.sh: FLAVOUR is stable or min, not '$flavour'" >&2
  exit 2
  ;;
esac

# cargo_build PROGRAM: the one build command, for the dependencies and the programs alike.
cargo_build() {
  # shellcheck disable=SC2086 # $cargo and $flags are lists of words
  $cargo build --release --locked --target "$target" -p "$1" $flags
}

if [ "$program" = --deps ]; then
  # Each program on its own, as its image builds it: features unify per build, so building
  # them together could compile the dependencies differently.
  for each in $PROGRAMS; do
    cargo_build "$each"
  done
  exit 0
fi

# cargo trusts mtimes: the sources copied over the skeleton may be older than the stand-ins it
# compiled, so they are touched first to be taken for new (the dependencies stay compiled).
find . -path ./target -prune -o -type f -exec touch {} +
cargo_build "$program"
cp "target/$target/release/$program" "$out/$program"
# A fixed mtime, so rebuilding the same commit gives a bit-identical layer.
touch -t 200001010000.00 "$out/$program"
