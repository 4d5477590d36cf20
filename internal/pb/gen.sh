#!/usr/bin/env bash
# gen.sh regenerates the Go protobuf packages of internal/pb from the .proto
# sources under internal/pb/proto:
#
#   proto/spindle/common/*.proto -> commonpb  (proto package spindle.hadoop.common)
#   proto/spindle/yarn/*.proto   -> yarnpb    (proto package spindle.hadoop.yarn)
#   proto/spindle/hdfs/*.proto   -> hdfspb    (proto package spindle.hadoop.hdfs)
#
# Requirements: protoc (3.x; /usr/bin/protoc 3.21 is what the checked-in code
# was built with) and protoc-gen-go of the version pinned below. If a
# protoc-gen-go of that version is not on PATH, it is installed with
# `go install` into a temporary GOBIN that is removed on exit.
#
# Usage (from anywhere):   bash internal/pb/gen.sh
# or, via go generate:     go generate ./internal/pb
#
# Environment overrides: PROTOC (path to protoc).
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12
MODULE=github.com/spindle-yarn/spindle

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"   # module root (contains go.mod)
protoc="${PROTOC:-protoc}"

command -v "$protoc" >/dev/null 2>&1 || { echo "gen.sh: protoc not found (set PROTOC)" >&2; exit 1; }

# Find or install protoc-gen-go at the pinned version.
plugin=""
if command -v protoc-gen-go >/dev/null 2>&1 &&
   [[ "$(protoc-gen-go --version 2>/dev/null)" == "protoc-gen-go $PROTOC_GEN_GO_VERSION" ]]; then
  plugin="$(command -v protoc-gen-go)"
else
  tmpbin="$(mktemp -d)"
  trap 'rm -rf "$tmpbin"' EXIT
  echo "gen.sh: installing protoc-gen-go $PROTOC_GEN_GO_VERSION into $tmpbin" >&2
  GOBIN="$tmpbin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
  plugin="$tmpbin/protoc-gen-go"
fi

gen() { # gen <proto subdir> <go package dir>
  local sub="$1" out="$2"
  shopt -s nullglob
  local files=("$here/proto/$sub"/*.proto)
  shopt -u nullglob
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "gen.sh: no .proto files in proto/$sub, skipping" >&2
    return
  fi
  rm -f "$here/$out"/*.pb.go
  mkdir -p "$here/$out"
  # Paths are passed relative to the include root so the registered file
  # names are spindle/common/... and spindle/yarn/... (never bare
  # "RpcHeader.proto", which colinmarc/hdfs registers).
  local rel=()
  for f in "${files[@]}"; do rel+=("${f#"$here/proto/"}"); done
  (cd "$here/proto" && "$protoc" \
    --plugin=protoc-gen-go="$plugin" \
    -I . \
    --go_out="$root" \
    --go_opt=module="$MODULE" \
    "${rel[@]}")
}

gen spindle/common commonpb
gen spindle/yarn yarnpb
gen spindle/hdfs hdfspb
echo "gen.sh: done" >&2
