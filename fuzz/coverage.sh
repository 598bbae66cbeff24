#!/usr/bin/env bash
# Line coverage of our own code by each target's corpus (fuzz/corpus/TARGET plus the seeds):
# `bash fuzz/coverage.sh [TARGET...]`. Needs nightly's llvm-tools
# (`rustup component add llvm-tools-preview --toolchain nightly`). Prints llvm-cov's report for
# the code each target is there to test (command-line parsing and start-up left out: no client
# reaches them).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
sysroot=$(rustc +nightly --print sysroot)
llvm_cov=$(find "$sysroot" -name llvm-cov -type f | head -n 1)
[ -x "$llvm_cov" ] || {
  echo "coverage: llvm-cov missing: rustup component add llvm-tools-preview --toolchain nightly" >&2
  exit 1
}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  corpus="$scratch/$target"
  mkdir -p "$corpus"
  cp "fuzz/seeds/$target"/* "fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
  TMPDIR=$scratch cargo +nightly fuzz coverage "$target" "$corpus" >"$scratch/$target.log" 2>&1 || {
    tail -n 30 "$scratch/$target.log" >&2
    exit 1
  }
  # cargo-fuzz puts coverage builds under the top-level target directory.
  binary=$(find target fuzz/target -path "*/coverage/*/release/$target" -type f | head -n 1)
  case $target in
    resolve_path) sources=(dirserve/src/resolve) ;;
    dirserve_http) sources=(dirserve/src servekit/src/serve.rs servekit/src/body.rs servekit/src/error.rs) ;;
    cowserve_http) sources=(cowserve/src/server cowserve/src/cowsay servekit/src/serve.rs) ;;
    cowsay_render) sources=(cowserve/src/cowsay) ;;
    strfile_read) sources=(cowserve/src/strfile.rs) ;;
    cowfile_parse) sources=(cowserve/src/cowfile.rs) ;;
    *) sources=(servekit/src dirserve/src cowserve/src) ;;
  esac
  echo "== $target ($(ls "$corpus" | wc -l) inputs)"
  "$llvm_cov" report "$binary" -instr-profile="fuzz/coverage/$target/coverage.profdata" \
    -ignore-filename-regex='/tests?(\.rs|/)|/config\.rs$|/server/mod\.rs$' "${sources[@]}" |
    awk 'NF > 10 && $1 != "Filename" { printf "  %-22s lines %5s, missed %4s: %7s covered\n", $1, $8, $9, $10 }'
done
