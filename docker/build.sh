#!/usr/bin/env bash
# The main job: builds every fromscratch image from its Dockerfile, tagged as the tutorials name
# them. Uses the official rust image when RUST_IMAGE is set to it (machines with Docker Hub), else
# the local stand-in builder made by docker/host-setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash docker/host-setup.sh
DOCKER=${DOCKER:-/usr/bin/docker}
RUST_IMAGE=${RUST_IMAGE:-fromscratch/rust-builder:local}

# tag:Dockerfile, one per program.
images=(alpine2:docker/pyprompt/Dockerfile alpine_web:docker/dirserve/Dockerfile cowserve:docker/cowserve/Dockerfile)
for entry in "${images[@]}"; do
  tag=${entry%%:*} dockerfile=${entry#*:}
  echo "build: $tag from $dockerfile"
  DOCKER_BUILDKIT=1 "$DOCKER" build -q -t "$tag" -f "$dockerfile" --build-arg "RUST_IMAGE=$RUST_IMAGE" . >/dev/null
  echo "build: $tag is $("$DOCKER" image inspect -f '{{.Size}}' "$tag") bytes"
done
