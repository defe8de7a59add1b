"""`polaris-pulumi import` on what it cannot express: said on stderr, left as a comment, and
the exit code says so (a project served by a stub transport: a type Polaris may add later)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from polaris_pulumi import _cli, _importer
from polaris_pulumi.api import PolarisClient
from tests import samples

MTLS = {k: v for k, v in samples.KAFKA_MTLS.items()} | {
    "secrets": {"type": "sasl_plain", "username": "ingest"},
    "ssl": {
        "keystore": {"type": "pem", "certificates": samples.PEM_CERT, "key": "**********"},
        "truststore": samples.KAFKA_MTLS["ssl"]["truststore"],
    },
}
CONNECTIONS = [
    samples.connection(name="kept", secrets={"type": "sasl_plain", "username": "K"}),
    samples.connection(name="legacy", secrets={"type": "confluent", "key": "OLDKEY"}),
    {"type": "push_streaming", "name": "pushed", "description": None, "endpointUrl": "u"},
    samples.S3 | {"secrets": {"type": "access_key"}},  # as Polaris shows it
    {"type": "bigquery", "name": "later", "dataset": "d"},  # a type added after this package
    MTLS,
]
JOBS = [
    {
        "id": "b-1",
        "type": "batch",
        "executionStatus": "running",
        "desiredExecutionStatus": "running",
    }
]


LOOKUP = {"name": "countries", "source": {"type": "table", "tableName": "country-codes"}}
ALIAS = {"name": "country_names", "key": "code", "value": "name"}


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path.split("/v1/projects/p", 1)[1]
    bodies: dict[str, Any] = {
        "/connections": {"values": CONNECTIONS},
        "/jobs": {"values": JOBS, "moreResultsAvailable": False},
        "/tables": {"values": []},
        "/lookups": {"values": [LOOKUP]},
        "/lookups/countries": LOOKUP,
        "/lookups/countries/aliases": {"values": [ALIAS]},
    }
    if path not in bodies:
        return httpx.Response(404, json={"code": "NotFound", "message": path})
    return httpx.Response(200, json=bodies[path])


def client() -> PolarisClient:
    return PolarisClient(
        api_key="k",
        url="https://polaris.test",
        project_id="p",
        transport=httpx.MockTransport(answer),
    )


def test_what_cannot_be_expressed_is_said_and_left_as_a_comment() -> None:
    program = _importer.build(client(), _importer.Selection())
    assert program.skipped == [
        "connection 'my_bucket': type 's3' is not managed by polaris-pulumi",
        "connection 'later': type 'bigquery' is not managed by polaris-pulumi",
        "connection 'legacy': its deprecated `confluent` secrets are written as sasl_plain "
        "(the same API key): the first `pulumi up` updates it",
        "job b-1: a batch job is not managed by polaris-pulumi",
    ]
    text = _importer.source(program, "test")
    for line in program.skipped:
        assert f"# Not imported: {line}" in text
    assert [s.key for s in program.secrets] == [
        "kept-password",
        "legacy-password",
        "my_mtls-password",
        "my_mtls-private-key",
    ]
    assert "'username': 'OLDKEY'" in text
    assert "config.require_secret('kept-password')" in text
    assert "polaris.KafkaConnection(" in text and "**********" not in text
    assert "polaris.PushStreamingConnection(" in text and "endpoint" not in text  # an output
    # A lookup, with its aliases (read by their own call), adopting what Polaris holds.
    assert "lookup_countries = polaris.Lookup(" in text
    assert "'table_name': 'country-codes'" in text and "'key': 'code'" in text
    assert samples.PEM_CERT.strip().splitlines()[1] in text  # certificates are no secret


def test_a_pattern_and_kinds_select(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    program = _importer.build(client(), _importer.Selection(re.compile("^my_"), ["connection"]))
    assert len(program.blocks) == 1 and "polaris.KafkaConnection(" in program.blocks[0]
    pushed = _importer.build(client(), _importer.Selection(re.compile("^push"), ["connection"]))
    assert pushed.secrets == [] and "adopt_existing=True" in pushed.blocks[0]
    with pytest.raises(SystemExit) as exited:
        _cli.main(["import", "--help"])
    assert exited.value.code == 0
    assert (
        "polaris-pulumi import --match '^orders' --kind connection,job" in capsys.readouterr().out
    )


def test_the_exit_code_says_something_was_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def retried(**_: object) -> object:
        logging.getLogger("polaris_pulumi.x").warning("GET /jobs failed (retrying in 1.0s)")
        return client()

    monkeypatch.setattr(_cli, "PolarisClient", retried)
    out = tmp_path / "main.py"
    assert _cli.main(["import", "--out", str(out)]) == _cli.SKIPPED
    assert _cli.main(["import", "--out", str(out)]) == _cli.SKIPPED  # a second run: one line
    err = capsys.readouterr().err
    # The client's progress, a line of its own, named as the command's, once per run.
    lines = err.splitlines()
    said = [line for line in lines if "retrying" in line]
    assert said == ["polaris-pulumi import: GET /jobs failed (retrying in 1.0s)"] * 2
    assert "not imported: connection 'my_bucket'" in err
    assert "pulumi config set --secret kept-password '<the API secret of kept>'" in err
    assert "polaris.Connection(" in out.read_text()
    # A usage error is 2, and names what is wrong.
    assert _cli.main(["import", "--kind", "tabel"]) == 2
    assert "--kind tabel" in capsys.readouterr().err


def test_a_program_for_another_endpoint_gives_each_resource_its_provider(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_cli, "PolarisClient", lambda **_: client())
    out = tmp_path / "main.py"
    _cli.main(["import", "--out", str(out), "--provider", "staging"])
    text = out.read_text()
    compile(text, str(out), "exec")
    assert "provider_staging = polaris.Provider(" in text
    assert "api_key=config.require_secret('stagingApiKey')" in text.replace('"', "'")
    resources = text.count("= polaris.") - 1  # all but the provider itself
    assert text.count("opts=pulumi.ResourceOptions(provider=provider_staging)") == resources > 0
    err = capsys.readouterr().err
    assert "pulumi config set stagingUrl https://polaris.test" in err
    assert "pulumi config set stagingProjectId p" in err
    assert "pulumi config set --secret stagingApiKey" in err
