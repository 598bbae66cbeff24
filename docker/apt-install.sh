#!/usr/bin/env bash
# usage: bash docker/apt-install.sh [--no-install-recommends] PACKAGE...
# Installs the Debian packages that are missing (none: a quick check and nothing else). The
# package lists are refreshed only when they do not know a package or an install fails (lists
# too old: their .deb files are gone from the mirror). No service starts from an install script:
# nginx would take port 80, and the scripts here start what they need themselves.
set -euo pipefail

options=(-y -qq)
if [ "${1:-}" = --no-install-recommends ]; then
  options+=("$1")
  shift
fi
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0
command -v apt-get >/dev/null || {
  echo "apt-install: ${missing[*]} missing, and this machine has no apt-get (Debian 12 expected)" >&2
  exit 1
}
[ "$EUID" -eq 0 ] || {
  echo "apt-install: ${missing[*]} missing; installing them needs root" >&2
  exit 1
}
echo "apt-install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
# Removed however apt-get ends: left behind, it would stop every service install on the machine.
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-cache show "${missing[@]}" >/dev/null 2>&1 || apt-get update -qq
apt-get install "${options[@]}" "${missing[@]}" >/dev/null || {
  apt-get update -qq
  apt-get install "${options[@]}" "${missing[@]}" >/dev/null
}
