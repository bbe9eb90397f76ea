#!/usr/bin/env bash
# The PyTorch twin's linter and tests, run by `npm test`. CI installs Debian's python3-torch,
# python3-pil, python3-pytest and python3-flake8; elsewhere a machine without them skips with a
# message (without Pillow alone, the tests that decode images skip).
set -euo pipefail
cd "$(dirname "$0")"
# a Python manager's python3 may come first on PATH and not see Debian's packages
python=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch, pytest, flake8' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "python3 cannot import torch, pytest and flake8: .ci/run installs them" >&2
    exit 1
  fi
  echo "Skipping the PyTorch twin's tests: python3 cannot import torch, pytest and flake8"
  echo "(Debian/Ubuntu: sudo apt-get install python3-torch python3-pytest python3-flake8)."
  exit 0
fi
"$python" -m flake8 lowrank_studio tests tools
"$python" -m pytest -q -p no:cacheprovider
