# Shared by the scripts that make local images from Debian's packages (Docker Hub cannot be
# reached here): a debootstrap'd root, then `docker import`. Source it, then call
#   debian_root DIR PACKAGES         # minbase + the comma-separated PACKAGES, apt caches removed
#   import_root DIR TAG [CHANGE...]  # each CHANGE is a Dockerfile line such as 'ENV A=b'
# Needs root and debootstrap; uses the Debian mirror this machine's apt already uses.

DOCKER=${DOCKER:-$(command -v /usr/bin/docker || command -v docker)}

die() { echo "${0##*/}: $*" >&2; exit 1; }

debian_root() {
  local dir=$1 packages=$2 suite=${DEBIAN_SUITE:-bookworm} mirror
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install -y debootstrap)"
  mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -v '^ *#' | grep -Eo 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)}
  [ -n "$mirror" ] || die "no Debian mirror found in apt sources; set DEBIAN_MIRROR"
  echo "${0##*/}: debootstrap $suite from $mirror with $packages"
  debootstrap --variant=minbase --include="$packages" "$suite" "$dir" "$mirror" >"$dir.log" 2>&1 ||
    { tail -n 20 "$dir.log" >&2; die "debootstrap failed (log: $dir.log)"; }
  rm -f "$dir.log"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
}

import_root() {
  local dir=$1 tag=$2 change
  shift 2
  local changes=()
  for change in "$@"; do changes+=(-c "$change"); done
  tar -C "$dir" -c . | "$DOCKER" import "${changes[@]}" - "$tag" >/dev/null
  echo "${0##*/}: built $tag ($("$DOCKER" image inspect -f '{{.Size}}' "$tag") bytes)"
}
