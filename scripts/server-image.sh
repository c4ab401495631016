#!/usr/bin/env bash
# Builds the server image (the top-level Dockerfile) without a registry: the build context is
# staged from this checkout, with its installed dependencies as node_modules.tar (the production
# ones, typescript and @types, symlinks followed) so that the image's build needs no npm. CI builds it
# FROM a local base that has node (`npm run images:local` makes asimov/lambda-nodejs:local).
#
#   bash scripts/server-image.sh [--base IMAGE] [--tag TAG]
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=node:20-bookworm-slim
TAG=asimov/lambda:local
while [ $# -gt 0 ]; do
  case $1 in
    --base) BASE=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    *) echo "usage: $0 [--base IMAGE] [--tag TAG]" >&2; exit 2 ;;
  esac
done
# The legacy builder: BuildKit needs the buildx plugin, which Debian's docker.io does not ship.
export DOCKER_BUILDKIT=0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/asimov-server-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
tar -cf - Dockerfile .dockerignore package.json package-lock.json tsconfig.json \
  tsconfig.build.json bin src | tar -C "$WORK" -xf -

# Each dependency directory once (a nested one comes with its parent).
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$PWD/##" | grep '^node_modules/' |
  { cat; echo node_modules/typescript; echo node_modules/@types; } | LC_ALL=C sort -u |
  awk 'prev == "" || index($0, prev "/") != 1 { print; prev = $0 }' >"$WORK/deps.txt"
tar -chf "$WORK/node_modules.tar" -T "$WORK/deps.txt"
rm "$WORK/deps.txt"

docker build -q --build-arg BASE="$BASE" -t "$TAG" "$WORK" >/dev/null
echo "server-image: built $TAG from $BASE"
