#!/usr/bin/env bash
# Idempotent setup: .venv with the package (editable, dev extras) and the Pulumi CLI built
# from Go modules (cached in ~/.cache/polaris-pulumi), linked into .venv/bin.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then python=$candidate; break; fi
  done
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "bootstrap: Python >= 3.11 is required (found $("$python" --version 2>&1))" >&2; exit 1; }

# uv (PyPI) makes the venv and installs into it, several times faster than venv and pip; it is
# installed once per machine beside the CLI's cache (with the system's pip), else into the venv.
cache=${POLARIS_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polaris-pulumi}
uv_home=$cache/uv
if [ ! -x "$uv_home/bin/uv" ] && "$python" -m pip --version >/dev/null 2>&1; then
  "$python" -m pip install --quiet --disable-pip-version-check --target "$uv_home.tmp" "uv>=0.4,<1" \
    && rm -rf "$uv_home" && mv "$uv_home.tmp" "$uv_home" || rm -rf "$uv_home.tmp"
fi
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $("$python" --version)" >&2
  if [ -x "$uv_home/bin/uv" ]; then
    "$uv_home/bin/uv" venv --quiet --python "$python" .venv
    ln -sfn "$uv_home/bin/uv" .venv/bin/uv
  else
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.4,<1"
  fi
fi

# Reinstall only when the declared dependencies change. constraints.txt pins what our built
# CLI needs (pulumi==its version); the package itself takes ranges.
stamp=.venv/.polaris-pulumi-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing polaris-pulumi[dev] into .venv" >&2
  .venv/bin/uv pip install --quiet --python .venv/bin/python -c constraints.txt -e ".[dev]"
  # Pulumi runs programs and providers without writing .pyc files, so they would compile
  # every module they import, every time: those packages are compiled now, on every core.
  .venv/bin/python scripts/compile_runtime.py
  echo "$want" > "$stamp"
else
  echo "bootstrap: .venv is up to date" >&2
fi

# Apache Kafka for the local broker (jars from Maven Central, cached beside the CLI).
bash tools/kafka/fetch.sh >/dev/null

bin=$(bash tools/pulumi-cli/build.sh)
# The CLI finds its language host and provider launcher next to its real path, so links work.
for tool in pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python; do
  ln -sfn "$bin/$tool" ".venv/bin/$tool"
done

sdk=$(.venv/bin/python -c 'from importlib.metadata import version; print(version("pulumi"))')
cli=$(.venv/bin/pulumi version)
[ "$cli" = "v$sdk" ] || { echo "bootstrap: CLI $cli does not match the pulumi Python SDK $sdk" >&2; exit 1; }
echo "bootstrap: ready (pulumi CLI $cli in .venv/bin, Python SDK $sdk)" >&2
