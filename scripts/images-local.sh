#!/usr/bin/env bash
# `npm run images:local`: builds the worker images with no registry at all, from what is on this
# machine. A base is imported (`docker import`) from a tarball of the host's own files — a shell,
# coreutils, curl, the shared libraries of everything in the images, /etc/passwd naming
# sbx_user1051 — and the host's node and python3.X are imported as /var/lang trees. The flavours
# are then built from images/*/Dockerfile with those as their BASE and LANG_IMAGE, the same files
# that users with registry access build from AWS's images.
#
# Tags: asimov/lambda-base:local, asimov/lambda-nodejs:<major>-local (and :local),
# asimov/lambda-python:<3.X>-local for each python3.X on PATH, asimov/lambda-provided:al2023-local
# and :al2-local. The Docker executor uses them by default when they exist.
set -euo pipefail
cd "$(dirname "$0")/.."

# The legacy builder: BuildKit needs the buildx plugin, which Debian's docker.io does not ship.
export DOCKER_BUILDKIT=0

say() { printf 'images:local: %s\n' "$*"; }

if ! docker info >/dev/null 2>&1; then
  say "no Docker engine answers; start one with: sudo scripts/start-dockerd.sh" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/asimov-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BASE_ROOT=$WORK/base
mkdir -p "$BASE_ROOT"

# Debian's merged /usr: /bin, /lib… are symlinks into /usr; the image keeps the same layout.
for dir in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$dir" ]; then ln -s "$(readlink "/$dir")" "$BASE_ROOT/$dir"; fi
done

declare -A COPIED=()

# A host file at the same path in the image (its directory resolved, the file dereferenced, so a
# library keeps the soname it is loaded by).
add_file() {
  local src=$1 root=$2 dir
  dir=$(readlink -f "$(dirname "$src")")
  [ -n "${COPIED[$root$dir/${src##*/}]:-}" ] && return 0
  mkdir -p "$root$dir"
  cp -L --preserve=mode "$src" "$root$dir/${src##*/}"
  COPIED[$root$dir/${src##*/}]=1
}

# The shared libraries an ELF file loads: system ones into the base at their host paths, others
# (a pyenv's libpython) into its /var/lang/lib, which is on Lambda's LD_LIBRARY_PATH.
add_libs() {
  local elf=$1 lang_root=${2:-} lib
  for lib in $(ldd "$elf" 2>/dev/null | grep -o '/[^ ]*' || true); do
    case "$(readlink -f "$lib")" in
      /lib/* | /lib64/* | /usr/lib/* | /usr/lib64/* | /usr/local/lib/*) add_file "$lib" "$BASE_ROOT" ;;
      *)
        if [ -n "$lang_root" ]; then
          mkdir -p "$lang_root/var/lang/lib"
          cp -L "$lib" "$lang_root/var/lang/lib/${lib##*/}"
        else
          add_file "$lib" "$BASE_ROOT"
        fi
        ;;
    esac
  done
}

say "base: a shell, coreutils, curl and their libraries from this host"
TOOLS="sh bash cat echo ls sleep env mkdir rm rmdir cp mv ln head tail date id uname printf tr sed
  grep true false wc sort cut touch chmod dirname basename readlink find xargs tee kill ps curl tar
  gzip stat mktemp mkfifo"
for tool in $TOOLS; do
  path=$(command -v "$tool" 2>/dev/null) || continue
  case "$path" in /*) ;; *) continue ;; esac # a shell builtin
  add_file "$path" "$BASE_ROOT"
  add_libs "$path"
done
[ -e "$BASE_ROOT/bin/sh" ] || { say "no /bin/sh in the base" >&2; exit 1; }
mkdir -p "$BASE_ROOT"/{etc,tmp,var/task,var/runtime,var/lang/bin,var/lang/lib,opt,dev,proc,sys,root}
chmod 1777 "$BASE_ROOT/tmp"
cat >"$BASE_ROOT/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
sbx_user1051:x:993:990::/tmp:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$BASE_ROOT/etc/group" <<'EOF'
root:x:0:
sbx_user1051:x:990:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$BASE_ROOT/etc/nsswitch.conf"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  add_file /etc/ssl/certs/ca-certificates.crt "$BASE_ROOT"
  mkdir -p "$BASE_ROOT/etc/pki/tls/certs"
  ln -sf /etc/ssl/certs/ca-certificates.crt "$BASE_ROOT/etc/pki/tls/certs/ca-bundle.crt"
fi
if [ -d /usr/lib/locale/C.utf8 ]; then
  mkdir -p "$BASE_ROOT/usr/lib/locale"
  cp -a /usr/lib/locale/C.utf8 "$BASE_ROOT/usr/lib/locale/"
fi

# ---- the languages: each a /var/lang tree, imported as its own image ----

NODE_ROOT=$WORK/nodejs
NODE=$(command -v node)
NODE=$(readlink -f "$NODE")
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
mkdir -p "$NODE_ROOT/var/lang/bin"
cp -L "$NODE" "$NODE_ROOT/var/lang/bin/node"
add_libs "$NODE" "$NODE_ROOT"
say "nodejs: node $(node --version) from $NODE"

PYTHONS=()
for minor in 9 10 11 12 13 14; do
  version=3.$minor
  # The real executable and its standard library (version-manager shims resolved).
  read -r exe stdlib < <("python$version" -c 'import sys, sysconfig; print(sys.executable, sysconfig.get_path("stdlib"))' 2>/dev/null) || continue
  [ -x "$exe" ] && [ -d "$stdlib" ] || continue
  root=$WORK/python$version
  mkdir -p "$root/var/lang/bin" "$root/var/lang/lib/python$version"
  cp -L "$exe" "$root/var/lang/bin/python$version"
  ln -s "python$version" "$root/var/lang/bin/python3"
  ln -s "python$version" "$root/var/lang/bin/python"
  # The standard library without what a function never imports (tests, GUIs, installed packages).
  tar -C "$stdlib" -chf - \
    --exclude=./site-packages --exclude=./dist-packages --exclude=./test --exclude=./idlelib \
    --exclude=./tkinter --exclude=./turtledemo --exclude=./ensurepip --exclude=./lib2to3/tests \
    --exclude='*.opt-1.pyc' --exclude='*.opt-2.pyc' . 2>/dev/null |
    tar -C "$root/var/lang/lib/python$version" -xf -
  mkdir -p "$root/var/lang/lib/python$version/site-packages"
  add_libs "$exe" "$root"
  for ext in "$root/var/lang/lib/python$version"/lib-dynload/*.so; do
    [ -e "$ext" ] && add_libs "$ext" "$root"
  done
  PYTHONS+=("$version")
  say "python: python$version from $exe ($stdlib)"
done

# ---- images ----

LAMBDA_ENV=(
  --change 'ENV LANG=en_US.UTF-8'
  --change 'ENV TZ=:UTC'
  --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin'
  --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib'
  --change 'ENV LAMBDA_TASK_ROOT=/var/task'
  --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime'
  --change 'WORKDIR /var/task'
)

import_tree() { # root tag [changes…]
  local root=$1 tag=$2
  shift 2
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . | docker import "$@" - "$tag" >/dev/null
  say "imported $tag ($(du -sh "$root" | cut -f1))"
}

import_tree "$BASE_ROOT" asimov/lambda-base:local "${LAMBDA_ENV[@]}"
import_tree "$NODE_ROOT" asimov/lambda-lang-nodejs:local
for version in "${PYTHONS[@]}"; do
  import_tree "$WORK/python$version" "asimov/lambda-lang-python:$version-local"
done

# Which bootstraps an image carries, so the executor can say when an image is older than src/.
RUNTIMES_HASH=$(find src/runtimes src/runtime-api/protocol.json images/nodejs/bootstrap images/python/bootstrap images/lambda-entrypoint.sh \
  -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)

build() { # dockerfile tag [build args…]
  local file=$1 tag=$2
  shift 2
  if ! docker build -q -f "$file" --build-arg BASE=asimov/lambda-base:local \
    --build-arg RUNTIMES_HASH="$RUNTIMES_HASH" "$@" -t "$tag" . >"$WORK/build.log" 2>&1; then
    cat "$WORK/build.log" >&2
    exit 1
  fi
  say "built $tag"
}

build images/nodejs/Dockerfile "asimov/lambda-nodejs:$NODE_MAJOR-local" \
  --build-arg LANG_IMAGE=asimov/lambda-lang-nodejs:local
docker tag "asimov/lambda-nodejs:$NODE_MAJOR-local" asimov/lambda-nodejs:local
for version in "${PYTHONS[@]}"; do
  build images/python/Dockerfile "asimov/lambda-python:$version-local" \
    --build-arg LANG_IMAGE="asimov/lambda-lang-python:$version-local"
done
build images/provided/Dockerfile asimov/lambda-provided:al2023-local
docker tag asimov/lambda-provided:al2023-local asimov/lambda-provided:al2-local

say "done: $(docker images --format '{{.Repository}}:{{.Tag}}' 'asimov/lambda-*' | grep -v lang | sort | tr '\n' ' ')"
