#!/usr/bin/env bash
# Sets everything up and runs the demo stack (`pulumi up` of the root project).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/bootstrap.sh

export PATH="$root/.venv/bin:$PATH"
export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-polaris-demo}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p .pulumi-state

stack=${POLARIS_DEMO_STACK:-demo}
pulumi stack select "$stack" --create --non-interactive >/dev/null
pulumi up --yes --non-interactive --stack "$stack"
pulumi stack output --stack "$stack"
