#!/usr/bin/env bash
# The demo stack (root Pulumi.yaml) on the local Polaris emulator and a real local Kafka broker.
#   bash scripts/demo.sh [up]    set up, start the broker and the emulator if needed, produce
#                                sample page views, `pulumi up`, print outputs and job metrics
#   bash scripts/demo.sh destroy start them if needed, `pulumi destroy` the demo stack
#   bash scripts/demo.sh stop    stop the emulator and the broker this script started
# Set POLARIS_URL, POLARIS_PROJECT_ID and POLARIS_API_KEY to use a real Polaris instead.
# POLARIS_EMULATOR_PORT (default 8765; 0: any free port) moves the emulator; POLARIS_DEMO_HOME moves the state and
# the emulator's data (default: the repository); POLARIS_DEMO_STACK names the stack (demo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
action=${1:-up}
case "$action" in
  up|destroy|stop) ;;
  *) echo "usage: bash scripts/demo.sh [up|destroy|stop]" >&2; exit 2 ;;
esac

home=${POLARIS_DEMO_HOME:-$root}
emu="$home/.polaris-emulator"
kafka="$home/.polaris-kafka"
mkdir -p "$emu"

if [ "$action" = stop ]; then
  if [ -s "$emu/emulator.pid" ] && kill "$(cat "$emu/emulator.pid")" 2>/dev/null; then
    echo "demo: stopped the emulator (pid $(cat "$emu/emulator.pid"))" >&2
  else
    echo "demo: no emulator of this demo is running" >&2
  fi
  rm -f "$emu/emulator.pid" "$emu/url"
  if [ -x .venv/bin/python ] && [ -d "$kafka" ]; then
    .venv/bin/python -m polaris_pulumi.emulator.kafka.broker stop --dir "$kafka" 2>&1 | sed 's/^/demo: Kafka broker: /' >&2
  fi
  exit 0
fi

bash scripts/bootstrap.sh
export PATH="$root/.venv/bin:$PATH"
# metadata=skip: no `.attrs` sidecar, which fileblob rewrites in place (an interrupted CLI
# would leave it empty and the stack unreadable); checkpoints themselves are renamed into place.
export PULUMI_BACKEND_URL="file://$home/.pulumi-state?metadata=skip"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-polaris-demo}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$home/.pulumi-state"

demo_user=demo
# A real Kafka broker on loopback (.polaris-kafka/) that the demo's connection logs in to, as a
# user whose password is made here once; started unless it already answers.
start_kafka() {
  secret_file=$kafka/demo-password
  mkdir -p "$kafka"
  [ -s "$secret_file" ] || (umask 077 && .venv/bin/python -c 'import secrets; print("demo-" + secrets.token_hex(12))' > "$secret_file")
  if ! .venv/bin/python -m polaris_pulumi.emulator.kafka.broker status --dir "$kafka" >&2; then
    lib=$(bash tools/kafka/fetch.sh)
    (umask 077 && printf '{"plain": {"%s": "%s"}}' "$demo_user" "$(cat "$secret_file")" > "$kafka/users.json")
    echo "demo: starting a Kafka broker (KRaft, SASL on loopback; log: $kafka/broker.log)" >&2
    .venv/bin/python -m polaris_pulumi.emulator.kafka.broker start --lib "$lib" --dir "$kafka" \
      --port "${POLARIS_KAFKA_PORT:-0}" --users "$kafka/users.json" >/dev/null
  fi
  bootstrap=$(.venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1]))["bootstrap"])' "$kafka/broker.json")
}

if [ -z "${POLARIS_URL:-}" ]; then
  # The embedded default: the broker, and the emulator on loopback (persistent in
  # .polaris-emulator/), which knows it.
  port=${POLARIS_EMULATOR_PORT:-8765}
  # Port 0: a free port the emulator picks itself (no race with other processes); the demo
  # remembers its URL for the next command.
  url=http://127.0.0.1:$port
  if [ "$port" = 0 ] && [ -s "$emu/url" ]; then url=$(cat "$emu/url"); fi
  project=demo-project
  key_file=$emu/api-key
  [ -s "$key_file" ] || (umask 077 && .venv/bin/python -c 'import secrets; print("pok_demo_" + secrets.token_hex(16))' > "$key_file")
  key=$(cat "$key_file")
  # Is ours already serving there? (Its key works on its project.) Something else: refuse.
  state=$(POLARIS_API_KEY="$key" .venv/bin/python - "$url" "$project" <<'EOF'
import os, sys, httpx
url, project = sys.argv[1], sys.argv[2]
try:
    httpx.get(f"{url}/_emulator/health", timeout=1)
except httpx.HTTPError:
    print("free"); sys.exit()
r = httpx.get(f"{url}/v1/projects/{project}/connections", timeout=5,
              headers={"Authorization": f"Basic {os.environ['POLARIS_API_KEY']}"})
print("ours" if r.status_code == 200 else f"foreign (HTTP {r.status_code} with this demo's key)")
EOF
)
  case "$state" in
    ours) start_kafka ;;
    free)
      start_kafka
      echo "demo: starting the Polaris emulator (log: $emu/emulator.log; stop: bash scripts/demo.sh stop)" >&2
      rm -f "$emu/ready"
      # The key goes through the environment, not the command line (`ps` shows that).
      POLARIS_API_KEY="$key" nohup .venv/bin/python -m polaris_pulumi.emulator --port "$port" \
        --db "$emu/polaris.db" --project-id "$project" --ready-file "$emu/ready" --kafka-broker "$bootstrap" \
        > "$emu/emulator.log" 2>&1 < /dev/null &
      echo $! > "$emu/emulator.pid"
      for _ in $(seq 100); do [ -s "$emu/ready" ] && break; sleep 0.1; done
      [ -s "$emu/ready" ] || { echo "demo: the emulator did not start:" >&2; tail -3 "$emu/emulator.log" >&2; exit 1; }
      url=$(cat "$emu/ready")
      printf '%s' "$url" > "$emu/url"
      echo "demo: the Polaris emulator serves $url" >&2
      rm -f "$emu/ready"
      ;;
    *)
      echo "demo: $url answers, but not as this demo's emulator: $state. Stop what listens there (an emulator of another checkout: its \`bash scripts/demo.sh stop\`), or set POLARIS_EMULATOR_PORT to another port." >&2
      exit 1
      ;;
  esac
else
  url=$POLARIS_URL project=${POLARIS_PROJECT_ID:?set POLARIS_PROJECT_ID} key=${POLARIS_API_KEY:?set POLARIS_API_KEY}
fi

stack=${POLARIS_DEMO_STACK:-demo}
pulumi stack select "$stack" --create --non-interactive >/dev/null
pulumi config set --stack "$stack" polaris:url "$url" --non-interactive
pulumi config set --stack "$stack" polaris:projectId "$project" --non-interactive
printf '%s' "$key" | pulumi config set --stack "$stack" --secret polaris:apiKey --non-interactive
if [ -n "${bootstrap:-}" ]; then
  pulumi config set --stack "$stack" bootstrapServers "$bootstrap" --non-interactive
  pulumi config set --stack "$stack" kafkaApiKey "$demo_user" --non-interactive
  pulumi config set --stack "$stack" --secret kafkaApiSecret --non-interactive < "$secret_file"
elif ! pulumi config get --stack "$stack" kafkaApiSecret >/dev/null 2>&1; then
  printf 'demo-%s' "$(date +%s%N)" | pulumi config set --stack "$stack" --secret kafkaApiSecret --non-interactive
fi

if [ "$action" = destroy ]; then
  pulumi destroy --yes --non-interactive --stack "$stack"
  echo "demo: destroyed; stop the emulator with: bash scripts/demo.sh stop" >&2
  exit 0
fi
events=${POLARIS_DEMO_EVENTS:-120}
if [ -n "${bootstrap:-}" ]; then
  topic=$(pulumi config get --stack "$stack" topic 2>/dev/null || echo page_views)
  .venv/bin/python scripts/demo_kafka.py produce "$kafka" "$topic" "$events"
fi
pulumi up --yes --non-interactive --stack "$stack"
outputs=$(pulumi stack output --stack "$stack" --json)
echo "$outputs"
if [ -n "${bootstrap:-}" ]; then
  jobs=$(printf '%s' "$outputs" | .venv/bin/python -c 'import json, sys; print(json.dumps({k: v["id"] for k, v in json.load(sys.stdin)["jobs"].items()}))')
  echo "demo: what each job read from Kafka (its metrics):" >&2
  POLARIS_API_KEY="$key" .venv/bin/python scripts/demo_kafka.py metrics "$url" "$project" "$jobs" "$kafka" "$topic"
  echo "demo: what the tables hold (Druid SQL through the query API):" >&2
  POLARIS_API_KEY="$key" .venv/bin/python scripts/demo_kafka.py rows "$url" "$project"
fi
cat <<EOT

Next:
  export PATH="$root/.venv/bin:\$PATH" PULUMI_BACKEND_URL="$PULUMI_BACKEND_URL" PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE
  pulumi config set lateMessageRejectionPeriod P90D && pulumi preview --diff   # a new job takes the old one's place
  curl -s "$url/v1/projects/$project/query/sql" -H "Authorization: Basic \$(cat ${key_file:-<your key file>})" \\
    -H 'Content-Type: application/json' -d '{"query": "SELECT page, SUM(views) AS views FROM \\"page-views-hourly\\" GROUP BY 1"}'
  bash scripts/demo.sh destroy    # cancels the jobs, removes the connection
  bash scripts/demo.sh stop       # stops the emulator and the Kafka broker
EOT
