"""The emulator's files hold connection passwords (in plaintext: it logs in to Kafka with
them), so each is its owner's only: the SQLite store, the DuckDB rows, and their WAL files."""

from __future__ import annotations

import stat

from polaris_pulumi.api import ConnectionSpec, TableSpec
from tests.emulator_proc import EmulatorProcess


def test_every_file_the_emulator_writes_is_its_owners_only(own_emulator: EmulatorProcess) -> None:
    client = own_emulator.client()
    client.create_connection(
        ConnectionSpec.model_validate(
            {
                "name": "c",
                "bootstrapServers": "b:9092",
                "topicName": "t",
                "secrets": {"type": "sasl_plain", "username": "u", "password": "p-1234"},
            }
        )
    )
    client.create_table(TableSpec(name="t", type="detail"))
    assert client.query_sql('SELECT COUNT(*) AS n FROM "t"') == [{"n": 0}]  # opens the rows
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in own_emulator.workdir.glob("polaris.*")}
    assert {"polaris.db", "polaris.duckdb"} <= set(files), files
    assert {name: mode & 0o077 for name, mode in files.items()} == dict.fromkeys(files, 0)
