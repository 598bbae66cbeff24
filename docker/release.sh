#!/usr/bin/env bash
# Builds the native release archives, one per tested platform, laid out as ripgrep,
# static-web-server and miniserve publish theirs:
#   OUTDIR/fromscratch-VERSION-TRIPLE.tar.gz  one folder fromscratch-VERSION-TRIPLE/ with the
#                                             three static binaries, cowsay, cowthink and fortune
#                                             (links to cowserve), the licenses and README.md
#   OUTDIR/SHA256SUMS                         sha256sum's format, archive names only
# The same commit gives bit-identical archives.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash docker/release.sh [OUTDIR]

Builds pyprompt, dirserve and cowserve (release profile) for every tested Rust target and writes
OUTDIR/fromscratch-VERSION-TRIPLE.tar.gz for each, and OUTDIR/SHA256SUMS.
OUTDIR defaults to target/dist in the repository.
Archive times come from SOURCE_DATE_EPOCH, or else the last commit's time.
EOF
}

args=()
while [ $# -gt 0 ]; do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --)
    shift
    args+=("$@")
    break
    ;;
  -*)
    echo "release.sh: unknown option '$1'" >&2
    usage >&2
    exit 2
    ;;
  *) args+=("$1") ;;
  esac
  shift
done
[ ${#args[@]} -le 1 ] || {
  echo "release.sh: one OUTDIR at most, got ${#args[@]}: ${args[*]}" >&2
  exit 2
}
outdir=${args[0]:-}

# A relative OUTDIR is the caller's, so make it absolute before moving to the repository root.
if [ -n "$outdir" ]; then
  mkdir -p -- "$outdir"
  outdir=$(cd -- "$outdir" && pwd)
fi
cd "$(dirname "$0")/.."
outdir=${outdir:-$PWD/target/dist}
mkdir -p "$outdir"

# shellcheck source=docker/rust-target.sh
. docker/rust-target.sh

# [workspace.package] version, the one every crate inherits (read as docker/build.sh reads it).
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || {
  echo "release.sh: no version in Cargo.toml's [workspace.package]" >&2
  exit 1
}

# Every archive entry gets this time, so rebuilding a commit reproduces its archives.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) || {
    echo "release.sh: not a git checkout: set SOURCE_DATE_EPOCH (seconds since 1970)" >&2
    exit 1
  }
fi
case $SOURCE_DATE_EPOCH in
'' | *[!0-9]*)
  echo "release.sh: SOURCE_DATE_EPOCH must be whole seconds, not '$SOURCE_DATE_EPOCH'" >&2
  exit 2
  ;;
esac

# The checkout's own target directory: cargo's mtime checks are sound here, unlike the cache
# shared between checkouts that docker/build-binary.sh touches the sources for.
target_dir=${CARGO_TARGET_DIR:-target}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

archives=()
for triple in $(tested_triples); do
  use_rust_lld "$triple"
  RUSTFLAGS=$RELEASE_RUSTFLAGS cargo build --release --locked --target "$triple" -p pyprompt -p dirserve -p cowserve

  name=fromscratch-$version-$triple
  dir=$stage/$name
  mkdir "$dir"
  for program in pyprompt dirserve cowserve; do
    cp "$target_dir/$triple/release/$program" "$dir/"
  done
  # cowserve picks its command from the name it is run by (cli::invocation).
  for command in cowsay cowthink fortune; do
    ln -s cowserve "$dir/$command"
  done
  cp LICENSE-MIT LICENSE-APACHE README.md "$dir/"
  # Modes set outright, so the umask and the checkout's modes do not reach the archive.
  chmod 0755 "$dir" "$dir/pyprompt" "$dir/dirserve" "$dir/cowserve"
  chmod 0644 "$dir/LICENSE-MIT" "$dir/LICENSE-APACHE" "$dir/README.md"

  # Fixed order, time, owner and format; gzip -n leaves out the name and time it would store.
  tar --create --file=- --directory="$stage" --format=gnu --sort=name \
    --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner "$name" |
    gzip -n -9 >"$outdir/$name.tar.gz.part"
  mv "$outdir/$name.tar.gz.part" "$outdir/$name.tar.gz"
  archives+=("$name.tar.gz")
done

(cd "$outdir" && sha256sum -- "${archives[@]}" >SHA256SUMS.part && mv SHA256SUMS.part SHA256SUMS)

echo "release.sh: fromscratch $version in $outdir"
for archive in "${archives[@]}"; do
  printf '%s  %s bytes\n' "$archive" "$(stat -c %s "$outdir/$archive")"
done
