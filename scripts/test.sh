#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: linters, types,
# layering contracts and pytest (devnet over HTTP, embedded chain and anvil).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
ANVIL_PACKAGE="@foundry-rs/anvil-linux-amd64@1.7.1"
SDK_PACKAGE="aleph-sdk-python==2.4.0"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# The exact versions CI and the benchmarks run (requirements.lock, from scripts/lock.sh).
.venv/bin/python -m pip install -q -c requirements.lock -e '.[devnet,serve,notify,test]'

# anvil, pinned, from npm: the realistic chain engine.
if [ ! -x .tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ]; then
  npm install --silent --no-audit --no-fund --prefix .tools "$ANVIL_PACKAGE"
fi

# The official Python SDK pins libraries that conflict with web3 8, so it lives in
# its own venv and the compatibility test drives it as a separate process.
if [ ! -x .venv-sdk/bin/python ] || ! .venv-sdk/bin/python -c 'import aleph.sdk' 2>/dev/null; then
  "$PYTHON" -m venv .venv-sdk
  .venv-sdk/bin/python -m pip install -q --upgrade pip
  .venv-sdk/bin/python -m pip install -q "$SDK_PACKAGE"
fi

.venv/bin/ruff check aleph_tui tests bench scripts
.venv/bin/ruff format --check aleph_tui tests bench scripts
.venv/bin/mypy
.venv/bin/lint-imports
# Two workers, a file each at a time: the devnet-backed tests mostly wait on I/O.
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
