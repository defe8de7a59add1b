"""`pulumi up` of a user's program against the local Polaris, with no cloud account: the
program runs under Pulumi's mocks, where our resources go through their real providers
(check, then create, against the local emulator: preview's checks and the API's errors are
the real ones), and Confluent Cloud's resources (pulumi-confluentcloud) are stood in for by
the local broker (a cluster's endpoint is the broker's, an API key is its user, a topic is
made on it). Every connection that reads Kafka reaches the local broker as its user, whether
its servers and credentials come from Confluent resources, config or literals. Run by the
pytest plugin and `polaris-pulumi local deploy`, one process per deploy:

    python -m polaris_pulumi._mocked_up PROGRAM_DIR  (config as JSON on stdin; local stack in
    the environment: POLARIS_LOCAL_DIR)

It prints the stack's outputs as JSON on its last line, or exits 1 with what failed.
"""

from __future__ import annotations

import base64
import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]
import pulumi
from pulumi.dynamic.config import Config as DynamicConfig
from pulumi.dynamic.dynamic import PROVIDER_KEY, ConfigureRequest

from polaris_pulumi._local import Local
from polaris_pulumi.emulator.kafka._client import ensure_topic
from polaris_pulumi.emulator.kafka.broker import BrokerInfo


class DeployError(Exception):
    """What a real `pulumi up` would have refused or failed on."""


class RoutedMocks(pulumi.runtime.Mocks):
    """Our resources through their providers; Confluent Cloud's through the local broker."""

    def __init__(
        self, local: Local, topics: list[str], config: ConfigureRequest, admin: dict[str, Any]
    ) -> None:
        self.local, self.topics, self.config, self.admin = local, topics, config, admin

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if PROVIDER_KEY in args.inputs:
            return self._ours(args)
        if args.typ.startswith("confluentcloud:"):
            return self._confluent(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None

    def _ours(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        news = self._routed(_revealed(dict(args.inputs)))
        provider = dill.loads(base64.b64decode(news[PROVIDER_KEY]))
        provider.configure(self.config)  # as the engine does, with the stack's config
        checked = provider.check({}, news)
        if checked.failures:
            reasons = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
            raise DeployError(f"{args.name}: {reasons}")
        created = provider.create(checked.inputs or news)
        outs = dict(created.outs or {})
        outs[PROVIDER_KEY] = news[PROVIDER_KEY]
        return str(created.id), outs

    def _routed(self, news: dict[str, Any]) -> dict[str, Any]:
        """A connection that reads Kafka (it has brokers), wherever its servers and
        credentials come from (Confluent resources, config, literals), reaches the local
        broker as its user: what a deploy to the local Polaris needs to ingest."""
        if "bootstrap_servers" not in news:
            return news
        local = self.local
        secrets = {
            "type": "sasl_plain",
            "username": local.kafka_user,
            "password": local.kafka_password,
        }
        return news | {"bootstrap_servers": local.bootstrap, "secrets": secrets}

    def _confluent(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        kind = args.typ.rsplit(":", 1)[-1]
        outs = dict(args.inputs)
        if kind == "KafkaCluster":
            outs |= {
                "bootstrapEndpoint": f"SASL_SSL://{self.local.bootstrap}",
                "restEndpoint": "https://local.invalid:443",
            }
        elif kind == "ApiKey":
            outs |= {"secret": self.local.kafka_password}
            return self.local.kafka_user, outs
        elif kind == "KafkaTopic":
            topic = str(args.inputs.get("topicName") or args.name)
            ensure_topic(self.admin, topic, int(args.inputs.get("partitionsCount") or 1))
            self.topics.append(topic)
        return f"{args.name}-id", outs


# Pulumi's wire format for a secret (pulumi/runtime/rpc.py keeps these private).
SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d"
SPECIAL_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _revealed(value: Any) -> Any:
    """Inputs as a provider gets them: a secret's wrapper (`{SIG: SECRET_SIG, "value": v}`,
    as mocks receive them) replaced by its value."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG:
            return _revealed(value.get("value"))
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value


def _project(program: Path) -> str:
    for line in (program / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise DeployError(f"{program / 'Pulumi.yaml'} has no name")


def deploy(program: Path, local: Local, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Run the program; its outputs, and the topics its Confluent resources declare."""
    project = _project(program)
    values = {
        "polaris:url": local.url,
        "polaris:projectId": local.project_id,
        "polaris:apiKey": local.api_key,
    } | {k if ":" in k else f"{project}:{k}": v for k, v in config.items()}
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    pulumi.runtime.set_all_config(raw, ["polaris:apiKey"])
    topics: list[str] = []
    configure = ConfigureRequest(DynamicConfig(raw_config=raw, project_name=project))
    directory = Path(os.environ["POLARIS_LOCAL_DIR"]) / "kafka"
    mocks = RoutedMocks(local, topics, configure, BrokerInfo.load(directory).client_config())
    pulumi.runtime.set_mocks(mocks, project=project, stack="local", preview=False)
    outputs: dict[str, Any] = {}
    original = pulumi.export

    def export(name: str, value: Any) -> None:
        pulumi.Output.from_input(value).apply(lambda v: outputs.__setitem__(name, v))
        original(name, value)

    pulumi.export = export

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        sys.path.insert(0, str(program))
        runpy.run_path(str(program / "__main__.py"), run_name="__main__")

    run()
    return outputs, topics


def main() -> None:
    program = Path(sys.argv[1]).resolve()
    local = Local(**json.loads((Path(os.environ["POLARIS_LOCAL_DIR"]) / "local.json").read_text()))
    try:
        outputs, topics = deploy(program, local, json.loads(sys.stdin.read() or "{}"))
    except Exception as exc:  # what `pulumi up` would print, in one paragraph
        print(f"deploy failed: {exc}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"outputs": outputs, "topics": topics}, default=str))


if __name__ == "__main__":
    main()
