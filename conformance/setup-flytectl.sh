#!/usr/bin/env bash
# Builds the real flytectl CLI from the Go module proxy into conformance/.bin/flytectl,
# using the wrapper module in conformance/flytectl/ (go.mod + go.sum, committed).
#
# Idempotent: a stamp (hash of go.mod + go.sum + this script) skips the build when the
# binary is already up to date. Never fails the caller: when flytectl cannot be built
# (no Go, Go too old, no module proxy, build error) it prints the reason, writes it to
# conformance/.work/flytectl.unavailable (the conformance tests skip with it) and exits 0.
#
# Cold cost on a 2-core machine: ~1 min to download modules + 5-30 min to compile (load-dependent;
# see conformance/README.md); a warm Go build cache makes it ~20 s.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mod_dir=$here/flytectl
bin_dir=$here/.bin
work_dir=$here/.work
bin=$bin_dir/flytectl
stamp=$bin_dir/flytectl.stamp
log=$work_dir/flytectl-build.log
unavailable=$work_dir/flytectl.unavailable
min_go_minor=26 # the wrapper's go.mod says go 1.26.0 (Flyte v1.16.8 modules need it)

mkdir -p "$bin_dir" "$work_dir"
start=$(date +%s)

unavailable() {
  echo "flytectl: NOT INSTALLED: $1" >&2
  printf '%s\n' "$1" >"$unavailable"
  rm -f "$stamp"
  exit 0
}

# The flytectl version pinned by the wrapper module (e.g. v0.9.8).
version=$(awk '$1 == "require" && $2 == "github.com/flyteorg/flyte/flytectl" { print $3 }' "$mod_dir/go.mod")
[ -n "$version" ] || unavailable "cannot read the flytectl version from $mod_dir/go.mod"

want_stamp=$(cat "$mod_dir/go.mod" "$mod_dir/go.sum" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  rm -f "$unavailable"
  echo "flytectl $version: up to date ($bin)"
  exit 0
fi

command -v go >/dev/null 2>&1 || unavailable "the go command is not on PATH (flytectl needs Go >= 1.$min_go_minor)"
go_version=$(go env GOVERSION 2>/dev/null) || unavailable "'go env GOVERSION' failed"
go_minor=$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$go_version")
if ! [[ $go_minor =~ ^[0-9]+$ ]] || [ "$go_minor" -lt "$min_go_minor" ]; then
  unavailable "$go_version is too old; flytectl $version with Flyte v1.16.8 modules needs Go >= 1.$min_go_minor"
fi

# Use exactly the installed toolchain (no toolchain download), and fail rather than
# silently editing the committed go.mod/go.sum.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

cd "$mod_dir" || unavailable "missing $mod_dir"
echo "flytectl $version: downloading modules ($go_version, GOPROXY=$(go env GOPROXY))"
if ! timeout 1200 go mod download >"$log" 2>&1; then
  unavailable "cannot download Go modules (network or module proxy): $(tail -n 1 "$log") (full log: $log)"
fi
t_download=$(date +%s)
echo "flytectl $version: modules downloaded in $((t_download - start)) s; compiling (5-30 min on 2 cores with a cold Go build cache, seconds with a warm one)"

ldflags="-s -w"
ldflags+=" -X github.com/flyteorg/flyte/flytestdlib/version.Version=$version"
ldflags+=" -X github.com/flyteorg/flyte/flytestdlib/version.Build=module-proxy"
ldflags+=" -X github.com/flyteorg/flyte/flytestdlib/version.BuildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
if ! timeout 3000 go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" github.com/flyteorg/flyte/flytectl >>"$log" 2>&1; then
  rm -f "$bin.tmp"
  unavailable "go build failed: $(tail -n 1 "$log") (full log: $log)"
fi
mv "$bin.tmp" "$bin"
if ! "$bin" --help >/dev/null 2>&1; then
  unavailable "the built binary does not run: $bin --help failed"
fi

printf '%s\n' "$want_stamp" >"$stamp"
rm -f "$unavailable"
echo "flytectl $version: built $bin in $(($(date +%s) - start)) s (compile $(($(date +%s) - t_download)) s)"
