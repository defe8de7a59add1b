#!/usr/bin/env bash
# Builds the Pulumi CLI pieces a Python dynamic provider needs, from Pulumi's Go modules,
# into a cache outside the clone, keyed by Pulumi version and a hash of this module's inputs,
# so fresh clones on the same machine reuse it. Logs go to stderr; the bin directory is the
# only line on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" {print $2}' go.mod)
[ -n "$version" ] || { echo "build.sh: no github.com/pulumi/pulumi/pkg/v3 in go.mod" >&2; exit 1; }
key=$(cat go.mod go.sum build.sh cmd/pulumi-language-python/main.go | sha256sum | cut -c1-12)
cache=${POLARIS_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polaris-pulumi}
dest="$cache/pulumi-$version-$key"
bin="$dest/bin"

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-python" ] \
  && [ -x "$bin/pulumi-language-python-exec" ] && [ -x "$bin/pulumi-resource-pulumi-python" ]; then
  echo "pulumi CLI $version: reusing $bin" >&2
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is required (>= $(awk '$1 == "go" {print $2}' go.mod))" >&2; exit 1; }
echo "pulumi CLI $version: building into $bin (first build takes several minutes)" >&2
start=$(date +%s)
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

export GOFLAGS="-mod=readonly -buildvcs=false"
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/pulumi-language-python" ./cmd/pulumi-language-python

# The exec shim and the dynamic-provider launcher ship inside the sdk/v3 module.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$tmp/bin/"
install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$tmp/bin/"

"$tmp/bin/pulumi" version >/dev/null
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "pulumi CLI $version: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
