#!/usr/bin/env bash
# Sets everything up and runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/bootstrap.sh
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# pytest-xdist: tests spread over workers, one at a time (tests marked xdist_group stay
# together); each worker has its emulator, and the run one broker. POLARIS_TEST_WORKERS=0
# runs in one process.
workers=${POLARIS_TEST_WORKERS:-3}
status=0
.venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; that is a failure" >&2
fi
exit "$status"
