# Shared by build-libdeflate.sh and build-zstd.sh (sourced, not run): the pinned compiler, Debian
# source downloads checked against a pinned sha256, and writing or checking the generated module.
#
# The bytes of a module depend only on the source and the compiler, both pinned: Debian bookworm's
# clang 14 and lld 14, no debug info, no paths. On a host that is not Debian bookworm the build
# runs in a debian:bookworm container so that the compiler is the same one.

LLVM_VERSION=1:14.0.6-12
APT_PACKAGES="clang-14=$LLVM_VERSION lld-14=$LLVM_VERSION"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf '[wasm] %s\n' "$*" >&2; }

# Re-runs the calling script ($1, relative to the repository) in debian:bookworm unless this is it.
wasm_require_bookworm() {
  local script=$1
  shift
  if ! grep -qx 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null || ! grep -qx 'ID=debian' /etc/os-release; then
    command -v docker >/dev/null || { log "needs Debian bookworm, or docker to run a debian:bookworm container"; exit 1; }
    log "not Debian bookworm: building in a debian:bookworm container"
    exec docker run --rm -v "$root:/src" -w /src -e HOST_UID="$(id -u)" -e HOST_GID="$(id -g)" debian:bookworm \
      bash "$script" "$@"
  fi
}

# deb-src for `apt-get source`, the pinned compiler, and any extra packages given (name or name=version).
wasm_install_toolchain() {
  local sudo= sources=/etc/apt/sources.list.d/go-slim-image-deb-src.sources updated=false pkg missing=()
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src ' /etc/apt/sources.list; then
    log "adding a deb-src entry for bookworm ($sources)"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      $sudo tee "$sources" >/dev/null
    $sudo apt-get update -qq
    updated=true
  fi
  for pkg in $APT_PACKAGES "$@"; do
    if [ "${pkg#*=}" = "$pkg" ]; then
      dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    else
      [ "$(dpkg-query -W -f '${Version}' "${pkg%%=*}" 2>/dev/null)" = "${pkg#*=}" ] || missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    $updated || $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Downloads the Debian source package `name=version` into folder $1 and checks that its orig
# tarball ($4) has the sha256 $5.
wasm_apt_source() {
  local dir=$1 package=$2 version=$3 orig=$4 sha=$5
  # apt-get source downloads as the _apt user when it can write the folder.
  [ "$(id -u)" -ne 0 ] || ! id _apt >/dev/null 2>&1 || chown _apt "$dir"
  (cd "$dir" && apt-get source --download-only -qq "$package=$version")
  echo "$sha  $dir/$orig" | sha256sum -c --quiet - || { log "$orig does not have the pinned sha256 $sha"; exit 1; }
}

# Writes the module $2 as base64 into the generated TypeScript file $1 (relative to the
# repository) under the header lines on stdin, or with --check ($3 = true) fails when the
# committed file differs from this fresh build. $4: the constant's name.
wasm_emit() {
  local target=$1 wasm=$2 check=$3 name=$4 fresh
  fresh=$(mktemp)
  {
    cat
    # An array of lines, not a chain of +: a chain thousands long overflows the TypeScript AST walkers' stacks.
    echo "export const $name = ["
    base64 -w 100 "$wasm" | sed "s/.*/  '&',/"
    echo "].join('');"
  } >"$fresh"
  if $check; then
    if ! cmp -s "$fresh" "$root/$target"; then
      rm -f "$fresh"
      log "$target does not match a fresh build: run bash scripts/wasm/$(basename "$0") and commit it."
      exit 1
    fi
    log "$target matches a fresh build."
  else
    cp "$fresh" "$root/$target"
    [ -z "${HOST_UID:-}" ] || chown "$HOST_UID:$HOST_GID" "$root/$target"
    log "wrote $target ($(wc -c <"$wasm") bytes of wasm)"
  fi
  rm -f "$fresh"
}
