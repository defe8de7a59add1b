"""The Confluent Cloud example's wiring, offline with Pulumi mocks (no cloud account)."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import pytest

from tests.pulumi_cli import REPO

ENDPOINT = "SASL_SSL://pkc-abc12.us-east-2.aws.confluent.cloud:9092"
READER_SECRET = "cc-reader-secret-9QfZ"


class ConfluentMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.order: list[str] = []
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        key = f"{args.typ.split(':')[-1]}/{args.name}"
        self.order.append(key)
        self.inputs[key] = dict(args.inputs)
        outs = dict(args.inputs)
        if args.typ == "confluentcloud:index/kafkaCluster:KafkaCluster":
            outs |= {
                "bootstrap_endpoint": ENDPOINT,
                "rest_endpoint": "https://pkc-abc12.us-east-2.aws.confluent.cloud:443",
                "rbac_crn": "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1",
                "api_version": "cmk/v2",
                "kind": "Cluster",
            }
        if args.typ == "confluentcloud:index/serviceAccount:ServiceAccount":
            outs |= {"api_version": "iam/v2", "kind": "ServiceAccount"}
        if args.typ == "confluentcloud:index/apiKey:ApiKey":
            outs["secret"] = READER_SECRET if "reader" in args.name else "cc-admin-secret"
        if args.typ.endswith("polaris:Connection"):
            outs["name"] = args.inputs.get("name") or f"{args.name}-auto"  # check() auto-names
        if args.typ.endswith("polaris:StreamingJobStart"):
            outs["execution_status"] = "running"
        return f"{args.name}-id", outs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture(scope="module")
def example() -> tuple[ConfluentMocks, dict[str, Any]]:
    mocks = ConfluentMocks()
    pulumi.runtime.set_mocks(mocks, project="polaris-confluent-cloud", stack="test", preview=False)
    program = runpy.run_path(str(REPO / "examples" / "confluent-cloud" / "__main__.py"))
    return mocks, program


def resolve(output: pulumi.Output[Any]) -> Any:
    """The value and secret-ness of an output, inside the mocked runtime."""
    future: Any = pulumi.Output.all(output, output.is_secret()).future()
    return future


@pulumi.runtime.test
def test_bootstrap_endpoint_is_converted(example: tuple[ConfluentMocks, dict[str, Any]]) -> Any:
    _, program = example

    def check(value: str) -> None:
        assert value == "pkc-abc12.us-east-2.aws.confluent.cloud:9092"

    return program["connection"].bootstrap_servers.apply(check)


@pulumi.runtime.test
def test_password_is_the_reader_secret_and_stays_secret(
    example: tuple[ConfluentMocks, dict[str, Any]],
) -> Any:
    mocks, program = example

    def check(args: list[Any]) -> None:
        secrets, is_secret = args
        assert secrets["password"] == READER_SECRET
        assert secrets["username"] == "polaris-reader-key-id"
        assert is_secret

    conn = program["connection"]
    return pulumi.Output.all(conn.secrets, conn.secrets.is_secret()).apply(check)


@pulumi.runtime.test
def test_dependency_order(example: tuple[ConfluentMocks, dict[str, Any]]) -> Any:
    mocks, program = example

    def check(_: Any) -> None:
        order = mocks.order
        conn = order.index("Connection/page-views")
        assert order.index("ApiKey/polaris-reader-key") < conn
        assert order.index("RoleBinding/polaris-read-topic") < conn
        assert order.index("KafkaTopic/page-views") < conn
        assert conn < order.index("StreamingJob/page-views")
        job_inputs = mocks.inputs["StreamingJob/page-views"]
        assert job_inputs["source"]["connection_name"] == "page-views-auto"
        assert mocks.inputs["Connection/page-views"]["topic_name"] == "page_views"
        crns = {
            mocks.inputs[f"RoleBinding/polaris-read-{k}"]["crnPattern"] for k in ("topic", "group")
        }
        assert crns == {
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=events-id/topic=page_views",
            "crn://confluent.cloud/organization=o/environment=env-1/cloud-cluster=lkc-1/kafka=events-id/group=*",
        }

    return program["job"].started.execution_status.apply(check)
