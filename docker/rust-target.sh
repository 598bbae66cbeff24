# shellcheck shell=sh
# The one mapping from a container platform to the Rust target that builds its static binary, and
# how to link it. Sourced (POSIX sh) by docker/build-binary.sh, docker/release.sh and the tests.
#
# Every target is linked by rust-lld (shipped with rustc) against Rust's self-contained musl, so a
# build needs no C cross-compiler and gives the same binary on any build machine: an Apple Silicon
# Mac building linux/amd64 and an amd64 machine building linux/arm64 both cross-compile this way.

# Platforms built and tested on this project's machines, then those only mapped (their rust-std is
# not on the toolchain server this project reaches, so no image of theirs is tested here).
TESTED_PLATFORMS="linux/amd64 linux/arm64 linux/386"
MAPPED_PLATFORMS="linux/arm/v7 linux/arm/v6 linux/riscv64 linux/ppc64le"

# rust_target PLATFORM: prints the Rust musl triple for a platform as BuildKit's TARGETPLATFORM
# gives it (linux/arm64, linux/arm/v7). Fails (status 2) naming the supported platforms for any
# other.
rust_target() {
  case $1 in
  linux/amd64) echo x86_64-unknown-linux-musl ;;
  linux/arm64 | linux/arm64/v8) echo aarch64-unknown-linux-musl ;;
  linux/386) echo i686-unknown-linux-musl ;;
  # Docker's plain linux/arm is v7.
  linux/arm/v7 | linux/arm) echo armv7-unknown-linux-musleabihf ;;
  linux/arm/v6) echo arm-unknown-linux-musleabihf ;;
  linux/riscv64) echo riscv64gc-unknown-linux-musl ;;
  linux/ppc64le) echo powerpc64le-unknown-linux-musl ;;
  *)
    echo "no Rust target for platform '$1': supported are $TESTED_PLATFORMS (built and tested)" \
      "and $MAPPED_PLATFORMS (mapped, not tested)" >&2
    return 2
    ;;
  esac
}

# machine_platform: the platform of the machine this runs on, as TARGETPLATFORM would name it
# (uname's aarch64 is linux/arm64); for builders that pass no platform, like the legacy one.
machine_platform() {
  case $(uname -m) in
  x86_64 | amd64) echo linux/amd64 ;;
  aarch64 | arm64) echo linux/arm64 ;;
  i?86) echo linux/386 ;;
  armv7*) echo linux/arm/v7 ;;
  armv6*) echo linux/arm/v6 ;;
  riscv64) echo linux/riscv64 ;;
  ppc64le) echo linux/ppc64le ;;
  *)
    echo "no platform known for this machine ($(uname -m)): supported are $TESTED_PLATFORMS" \
      "and $MAPPED_PLATFORMS" >&2
    return 2
    ;;
  esac
}

# tested_triples: the Rust targets of TESTED_PLATFORMS, one a line.
tested_triples() {
  for platform in $TESTED_PLATFORMS; do
    rust_target "$platform"
  done
}

# The release builds' flags beyond Cargo.toml's profile: no unwind tables. Panics abort, and a
# stripped binary's backtrace names nothing, so the tables (.eh_frame and its index, 8-13% of
# each binary) served nobody. The link argument is rust-lld's spelling (see use_rust_lld).
# shellcheck disable=SC2034 # used by the scripts that source this one
RELEASE_RUSTFLAGS="-Cforce-unwind-tables=no -Clink-arg=--no-eh-frame-hdr"

# use_rust_lld TRIPLE: makes cargo link TRIPLE with rust-lld.
use_rust_lld() {
  linker_var=CARGO_TARGET_$(echo "$1" | tr 'a-z-' 'A-Z_')_LINKER
  export "$linker_var=rust-lld"
}
