#!/bin/sh
# Copies the workspace's skeleton to DEST: the lock file, every manifest, and an empty stand-in
# for each of its crates' sources and build scripts, plus the build scripts of docker/. A build
# stage compiles the dependencies from the skeleton in a layer of their own, which the builder's
# layer cache keeps until a manifest, Cargo.lock or these scripts change; the real sources come
# after. This is cargo-chef's plan in a few lines of sh (every builder's layer cache, the legacy
# builder's included, needs no BuildKit cache mount this way).
#   sh docker/cargo-skeleton.sh DEST      (from the workspace root)
set -eu
dest=$1

mkdir -p "$dest/docker"
cp Cargo.toml Cargo.lock "$dest/"
cp docker/build-binary.sh docker/rust-target.sh "$dest/docker/"
for manifest in */Cargo.toml; do
  crate=${manifest%/Cargo.toml}
  mkdir -p "$dest/$crate/src"
  cp "$manifest" "$dest/$crate/"
  # The targets cargo finds by itself: a stand-in for each that exists, so the skeleton's
  # targets, and so its dependencies, are the real ones'.
  for source in src/lib.rs src/main.rs build.rs; do
    [ -f "$crate/$source" ] || continue
    case $source in
    src/lib.rs) : >"$dest/$crate/$source" ;;
    *) echo 'fn main() {}' >"$dest/$crate/$source" ;;
    esac
  done
done
