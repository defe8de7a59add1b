"""A lookup through the real CLI and the real broker: the lookups example fills its lookup
table from a topic, and its orders job maps `LOOKUP("country_code", 'countries', 'unknown')`;
the orders table holds the looked-up names, computed here from what was produced. The no-op
preview is clean, and destroy removes the lookup with the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.emulator_proc import EmulatorProcess
from tests.kafka_broker import KAFKA_USER, KAFKA_USER_PASSWORD, LocalKafka
from tests.pulumi_cli import REPO
from tests.stacks import polaris_stack

pytestmark = pytest.mark.e2e
NAMES = {"fr": "France", "de": "Germany", "jp": "Japan"}


def test_orders_get_country_names_from_a_lookup(
    tmp_path: Path, live_emulator: EmulatorProcess, kafka: LocalKafka
) -> None:
    codes, orders = kafka.topic("countries"), kafka.topic("orders")
    kafka.produce(codes, [json.dumps({"code": c, "name": n}).encode() for c, n in NAMES.items()])
    pulumi = polaris_stack(
        tmp_path,
        live_emulator,
        (REPO / "examples" / "lookups" / "__main__.py").read_text(),
        config={
            "bootstrapServers": kafka.bootstrap,
            "kafkaUser": KAFKA_USER,
            "countriesTopic": codes,
            "ordersTopic": orders,
        },
        secrets={"kafkaPassword": KAFKA_USER_PASSWORD},
    )
    pulumi.up()
    live_emulator.wait_ingested()  # the lookup table holds the countries
    produced = [
        {"ts": f"2026-12-01T10:00:{i:02d}Z", "country_code": code, "amount": float(i)}
        for i, code in enumerate(["fr", "jp", "xx", "de", "fr"])
    ]
    kafka.produce(orders, [json.dumps(o).encode() for o in produced])
    live_emulator.wait_ingested()
    client = live_emulator.client()
    table = pulumi.outputs()["orders_table"]
    rows = client.query_sql(f'SELECT __time, country, amount FROM "{table}" ORDER BY __time')
    assert rows == [
        {
            "__time": o["ts"].replace("Z", ".000Z"),
            "country": NAMES.get(str(o["country_code"]), "unknown"),
            "amount": o["amount"],
        }
        for o in produced
    ]
    assert [lookup.name for lookup in client.list_lookups()] == [pulumi.outputs()["lookup"]]
    pulumi.preview("--expect-no-changes")
    pulumi.destroy()
    assert client.list_lookups() == [] and client.list_tables() != []  # created tables stay
