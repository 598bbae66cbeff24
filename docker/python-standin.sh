#!/usr/bin/env bash
# Builds a local stand-in for the tutorials' python images (Docker Hub's `python:3.6` and
# `alpine` + python3 cannot be pulled here), for the benchmarks to compare with: Debian's
# python3 in a debootstrap'd root, running `python3 -m http.server` on port 8000 in /srv, as the
# tutorials' images did. Built once and reused while the tag exists.
set -euo pipefail

TAG=${FROMSCRATCH_PYTHON_TAG:-fromscratch/python-standin:local}
# shellcheck source=docker/debian-image.sh
. "$(dirname "$0")/debian-image.sh"

if "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then
  echo "python-standin: $TAG exists; reusing it"
  exit 0
fi
root=$(mktemp -d /tmp/python-standin.XXXXXX)
trap 'rm -rf "$root"' EXIT
debian_root "$root" python3
mkdir -p "$root/srv"
import_root "$root" "$TAG" 'WORKDIR /srv' 'EXPOSE 8000' 'CMD ["python3", "-m", "http.server"]'
