#!/usr/bin/env bash
# The main job: builds every fromscratch image from its Dockerfile, tagged as the tutorials name
# them. Uses the official rust image when RUST_IMAGE is set to it (machines with Docker Hub), else
# the local stand-in builder made by docker/host-setup.sh. With flags, builds other platforms and
# publishes multi-platform images (see usage below).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
usage: bash docker/build.sh [--platform PLATFORMS] [--push REGISTRY]
  (no flags)            build alpine2, alpine_web and cowserve for the engine's platform
  --platform PLATFORMS  comma-separated, e.g. linux/amd64,linux/arm64,linux/386: build each
                        image for each platform, tagged NAME:ARCH (alpine2:arm64, alpine2:armv7)
  --push REGISTRY       e.g. 127.0.0.1:5000 or ghcr.io/someone: push each build as
                        REGISTRY/NAME:VERSION-ARCH, then publish one multi-platform index as
                        REGISTRY/NAME:VERSION and REGISTRY/NAME:latest (without --platform: the
                        engine's own platform)
environment: RUST_IMAGE (builder image), DOCKER (the docker client: docker on the PATH, or
  Debian's /usr/bin/docker with BuildKit for --platform and --push)
EOF
}
usage_error() {
  echo "build.sh: $*" >&2
  usage >&2
  exit 2
}

# Arguments first: a mistake must fail at once, before the host set-up or any build.
platforms=() registry=
while [ $# -gt 0 ]; do
  case $1 in
  # --flag=value is --flag value.
  --platform=* | --push=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
  --platform | --push)
    if [ $# -lt 2 ] || [ -z "$2" ] || [[ $2 == -* ]]; then usage_error "$1 needs a value"; fi
    if [ "$1" = --platform ]; then IFS=, read -ra platforms <<<"$2"; else registry=${2%/}; fi
    shift 2
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) usage_error "unknown argument '$1'" ;;
  esac
done
# shellcheck source=docker/rust-target.sh
. docker/rust-target.sh
for platform in "${platforms[@]}"; do
  rust_target "$platform" >/dev/null || exit 2
done

bash docker/host-setup.sh
RUST_IMAGE=${RUST_IMAGE:-fromscratch/rust-builder:local}
if [ ${#platforms[@]} -eq 0 ] && [ -z "$registry" ]; then
  # The engine's own platform, with the builder a typed `docker build` gets: typing one of the
  # README's builds afterwards finds every layer made.
  DOCKER=${DOCKER:-docker}
else
  # Other platforms need BuildKit, which Debian's client has built in (host-setup installs it).
  DOCKER=${DOCKER:-/usr/bin/docker}
  export DOCKER_BUILDKIT=1
fi

# build TAG DOCKERFILE [PLATFORM]: one image, and its size.
build() {
  local tag=$1 dockerfile=$2 platform=${3:-}
  echo "build: $tag from $dockerfile${platform:+ for $platform}"
  "$DOCKER" build -q -t "$tag" -f "$dockerfile" --build-arg "RUST_IMAGE=$RUST_IMAGE" \
    ${platform:+--platform "$platform"} . >/dev/null
  echo "build: $tag is $(size "$tag") bytes"
}

# size IMAGE: its size in bytes, thousands separated by commas.
size() {
  "$DOCKER" image inspect -f '{{.Size}}' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
}

# What was built, and what to run next: the tutorials' three commands.
next_steps() {
  cat <<EOF

Built alpine2 ($(size alpine2) bytes), alpine_web ($(size alpine_web) bytes) and cowserve
($(size cowserve) bytes) with $RUST_IMAGE. Try them:
  docker run -it --rm alpine2
  docker run -d -p 8000:8000 --rm --name web -v "\$(pwd)":/src alpine_web   # http://localhost:8000/
  docker run -d -p 8001:8000 --rm --name cow cowserve                        # http://localhost:8001/
then \`docker stop web cow\`. The builder image stays for the next build: \`docker rmi
$RUST_IMAGE\` and \`docker image prune\` take back its space.
EOF
}

# The tag suffix of a platform: its arch and variant (linux/arm/v7 -> armv7).
suffix() {
  local arch=${1#*/}
  echo "${arch//\//}"
}

# tag:Dockerfile, one per program.
images=(alpine2:docker/pyprompt/Dockerfile alpine_web:docker/dirserve/Dockerfile cowserve:docker/cowserve/Dockerfile)

if [ ${#platforms[@]} -eq 0 ] && [ -z "$registry" ]; then
  for entry in "${images[@]}"; do
    build "${entry%%:*}" "${entry#*:}"
  done
  next_steps
  exit 0
fi

# A push without --platform publishes the engine's own platform.
if [ ${#platforms[@]} -eq 0 ]; then
  platforms=("$("$DOCKER" version -f '{{.Server.Os}}/{{.Server.Arch}}')")
  rust_target "${platforms[0]}" >/dev/null || exit 2
fi
for entry in "${images[@]}"; do
  for platform in "${platforms[@]}"; do
    build "${entry%%:*}:$(suffix "$platform")" "${entry#*:}" "$platform"
  done
done
[ -n "$registry" ] || exit 0

# The version the images' labels carry (the Dockerfiles' VERSION default, which
# tests/tests/dockerfiles.rs holds to this one).
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
list=$(IFS=,; echo "${platforms[*]}")
# docker manifest talks to the registry itself, not through the engine: a local registry
# speaks plain HTTP, which it must be allowed (the engine allows it on loopback by default).
insecure=()
case ${registry%%/*} in
localhost | localhost:* | 127.* | '[::1]' | '[::1]:'*) insecure=(--insecure) ;;
esac
for entry in "${images[@]}"; do
  name=${entry%%:*} refs=()
  for platform in "${platforms[@]}"; do
    ref=$registry/$name:$version-$(suffix "$platform")
    "$DOCKER" tag "$name:$(suffix "$platform")" "$ref"
    "$DOCKER" push -q "$ref" >/dev/null
    echo "push: $ref"
    refs+=("$ref")
  done
  for tag in "$version" latest; do
    index=$registry/$name:$tag
    # A list left behind by an interrupted run would make create refuse.
    "$DOCKER" manifest rm "$index" >/dev/null 2>&1 || true
    "$DOCKER" manifest create "${insecure[@]}" "$index" "${refs[@]}" >/dev/null
    digest=$("$DOCKER" manifest push "${insecure[@]}" --purge "$index")
    echo "push: $index ($list) $digest"
  done
done
