#!/usr/bin/env bash
# Re-resolve requirements.lock, the exact versions CI (scripts/test.sh) and the benchmarks
# install, from pyproject.toml's ranges with every extra, for every platform.
# uv keeps each version already in the lock while the ranges allow it; move one with
# `bash scripts/lock.sh --upgrade-package NAME`, or all with `--upgrade`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv-lock/bin/uv ] || { "$PYTHON" -m venv .venv-lock && .venv-lock/bin/pip install -q 'uv>=0.13,<0.14'; }
.venv-lock/bin/uv pip compile pyproject.toml --extra devnet --extra serve --extra notify --extra test --universal \
  --python-version 3.11 --custom-compile-command "bash scripts/lock.sh" -o requirements.lock "$@"
