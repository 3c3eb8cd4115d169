#!/usr/bin/env bash
# Rebuild aleph_tui/devnet/contracts/*.json from the .sol sources.
# Installs solc-js into a throwaway directory (never into the repo), then runs the .mjs builder.
set -euo pipefail

SOLC_VERSION="0.8.37"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm install --prefix "$tmp" --no-save --no-audit --no-fund --silent "solc@${SOLC_VERSION}"
SOLC_PATH="$tmp/node_modules/solc" node "$here/build_contracts.mjs"
