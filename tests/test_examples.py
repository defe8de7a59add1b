"""The Confluent Cloud example's wiring, offline with Pulumi mocks (no cloud account)."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import pytest

from polaris_pulumi._kinds import MANAGED_CONNECTION_TYPES
from tests.pulumi_cli import REPO

ENDPOINT = "SASL_SSL://pkc-abc12.us-east-2.aws.confluent.cloud:9092"
READER_SECRET = "cc-reader-secret-9QfZ"
REGISTRY_SECRET = "cc-registry-secret-4TwX"
# What getSchemaRegistryCluster answers for the environment's Stream Governance registry.
REGISTRY_CLUSTER = {
    "id": "lsrc-1",
    "restEndpoint": "https://psrc-abc12.us-east-2.aws.confluent.cloud",
    "apiVersion": "srcm/v3",
    "kind": "Cluster",
    "resourceName": "crn://confluent.cloud/organization=o/environment=env-1/schema-registry=lsrc-1",
    "displayName": "Stream Governance Package",
    "environment": {"id": "env-1"},
}


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
            outs["secret"] = {"polaris-reader-key": READER_SECRET}.get(args.name, "cc-secret")
            if args.name == "polaris-registry-key":
                outs["secret"] = REGISTRY_SECRET
        if args.typ.endswith(tuple(f"polaris:{c.resource}" for c in MANAGED_CONNECTION_TYPES)):
            outs["name"] = args.inputs.get("name") or f"{args.name}-auto"  # check() auto-names
        if args.typ.endswith("polaris:StreamingJobsStarted"):  # the one wait: all started
            jobs = args.inputs.get("jobs") or {}
            outs["observed"] = {k: {"execution_status": "running"} for k in jobs}
        return f"{args.name}-id", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        if args.token == "confluentcloud:index/getSchemaRegistryCluster:getSchemaRegistryCluster":
            return REGISTRY_CLUSTER
        return {}


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


@pulumi.runtime.test
def test_avro_topic_through_the_schema_registry(
    example: tuple[ConfluentMocks, dict[str, Any]],
) -> Any:
    mocks, program = example
    schemas = program["schemas"]

    def check(args: list[Any]) -> None:
        urls, secrets, is_secret, _ = args
        assert urls == [REGISTRY_CLUSTER["restEndpoint"]]
        assert (secrets["username"], secrets["password"]) == (
            "polaris-registry-key-id",
            REGISTRY_SECRET,
        )
        assert is_secret
        order = mocks.order
        registry_conn = order.index("SchemaRegistryConnection/schemas")
        assert order.index("ApiKey/polaris-registry-key") < registry_conn
        assert order.index("RoleBinding/polaris-read-schemas") < registry_conn
        job = order.index("StreamingJob/orders")
        assert registry_conn < job and order.index("Schema/orders-value") < job
        fmt = mocks.inputs["StreamingJob/orders"]["source"]["format_settings"]
        assert fmt["parse_schema_provider"] == {
            "type": "connection",
            "connection_name": "schemas-auto",
        }
        schema = mocks.inputs["Schema/orders-value"]
        assert (schema["subjectName"], schema["format"]) == ("orders-value", "AVRO")
        assert mocks.inputs["RoleBinding/polaris-read-schemas"]["crnPattern"].endswith(
            "/schema-registry=lsrc-1/subject=orders-value"
        )

    return pulumi.Output.all(
        schemas.urls, schemas.secrets, schemas.secrets.is_secret(), program["orders_job"].id
    ).apply(check)
