#!/usr/bin/env bash
# Runs the fuzz targets for a bounded time each: `bash fuzz/run.sh [SECONDS] [TARGET...]`
# (default 30 s, every target). cargo-fuzz on the nightly toolchain, with AddressSanitizer,
# debug assertions and overflow checks; each target starts from fuzz/seeds/TARGET plus what
# earlier runs kept in fuzz/corpus/TARGET. Prints one line per target (executions, edges
# covered, corpus size) and stops at the first crash, leaving the input in
# fuzz/artifacts/TARGET/; replay it with `cargo +nightly fuzz run TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# The same dependency versions as the shipped binaries: fail rather than re-resolve.
cargo +nightly metadata -q --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
cargo +nightly fuzz build

# The targets build their fixture trees under TMPDIR and exit without removing them.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p target/fuzz
printf '%-14s %8s %12s %8s %7s %9s\n' target seconds executions exec/s edges corpus
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  log="target/fuzz/$target.log"
  # -timeout: an input that takes 10 s is a hang, reported as a crash.
  if ! TMPDIR=$scratch cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    grep -v '^ *#[0-9]* 0x' "$log" | tail -n 40 >&2
    echo "fuzz: $target FAILED (full log: $log; inputs: fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
  edges=$(sed -E 's/.* cov: ([0-9]+) .*/\1/' <<<"$done_line")
  corpus=$(sed -E 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*) .*/\1/' <<<"$done_line")
  printf '%-14s %8s %12s %8s %7s %9s\n' "$target" "$seconds" "$executions" \
    "$((executions / seconds))" "$edges" "$corpus"
done
