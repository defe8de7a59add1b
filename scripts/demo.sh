#!/usr/bin/env bash
# Sets everything up, starts the local Polaris emulator if none is running, and runs
# `pulumi up` of the demo stack (root Pulumi.yaml), then prints its outputs.
# Set POLARIS_URL, POLARIS_PROJECT_ID and POLARIS_API_KEY to use a real Polaris instead.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/bootstrap.sh

export PATH="$root/.venv/bin:$PATH"
# POLARIS_DEMO_HOME moves the state and the emulator's data elsewhere (the tests use it).
home=${POLARIS_DEMO_HOME:-$root}
export PULUMI_BACKEND_URL="file://$home/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-polaris-demo}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
emu="$home/.polaris-emulator"
mkdir -p "$home/.pulumi-state" "$emu"

if [ -z "${POLARIS_URL:-}" ]; then
  # The embedded default: the emulator on loopback, persistent in .polaris-emulator/.
  url=http://127.0.0.1:${POLARIS_EMULATOR_PORT:-8765}
  project=demo-project
  key_file=$emu/api-key
  [ -s "$key_file" ] || .venv/bin/python -c 'import secrets; print("pok_demo_" + secrets.token_hex(16))' > "$key_file"
  key=$(cat "$key_file")
  if ! .venv/bin/python -c "import httpx, sys; sys.exit(httpx.get('$url/_emulator/health', timeout=1).status_code != 200)" 2>/dev/null; then
    echo "demo: starting the Polaris emulator on $url (log: $emu/emulator.log)" >&2
    nohup .venv/bin/python -m polaris_pulumi.emulator --port "${url##*:}" --db "$emu/polaris.db" \
      --api-key "$key" --project-id "$project" --ready-file "$emu/ready" \
      > "$emu/emulator.log" 2>&1 < /dev/null &
    echo $! > "$emu/emulator.pid"
    for _ in $(seq 100); do [ -s "$emu/ready" ] && break; sleep 0.1; done
    [ -s "$emu/ready" ] || { echo "demo: the emulator did not start; see $emu/emulator.log" >&2; exit 1; }
    rm -f "$emu/ready"
  fi
else
  url=$POLARIS_URL project=${POLARIS_PROJECT_ID:?set POLARIS_PROJECT_ID} key=${POLARIS_API_KEY:?set POLARIS_API_KEY}
fi

stack=${POLARIS_DEMO_STACK:-demo}
pulumi stack select "$stack" --create --non-interactive >/dev/null
pulumi config set --stack "$stack" polaris:url "$url" --non-interactive
pulumi config set --stack "$stack" polaris:projectId "$project" --non-interactive
pulumi config set --stack "$stack" --secret polaris:apiKey "$key" --non-interactive
pulumi config get --stack "$stack" kafkaApiSecret >/dev/null 2>&1 \
  || pulumi config set --stack "$stack" --secret kafkaApiSecret "demo-$(date +%s%N)" --non-interactive
pulumi up --yes --non-interactive --stack "$stack"
pulumi stack output --stack "$stack" --json
cat <<EOT

Next:
  export PATH="$root/.venv/bin:\$PATH" PULUMI_BACKEND_URL="$PULUMI_BACKEND_URL" PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE
  pulumi config set lateMessageRejectionPeriod P90D && pulumi preview --diff   # a new job takes the old one's place
  pulumi destroy --yes                                                           # cancels the jobs, removes the connection
EOT
