"""The broker's jars an installed wheel fetches: the pins are the set Maven resolves for the
clone (kept fresh), and a fetched jar that is not the one pinned is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from polaris_pulumi.emulator.kafka import _fetch
from scripts import pin_kafka_jars
from tests.kafka_broker import kafka_lib


def test_the_pins_are_what_maven_resolves() -> None:
    assert pin_kafka_jars.OUT.read_text() == pin_kafka_jars.render(kafka_lib())


def test_jars_are_fetched_once_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = tmp_path / "mirror"
    jar = mirror / "org" / "example" / "a" / "1" / "a-1.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"PK a jar")
    pin = ("org/example/a/1/a-1.jar", hashlib.sha256(b"PK a jar").hexdigest())
    monkeypatch.setenv("POLARIS_PULUMI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("POLARIS_MAVEN_URL", mirror.as_uri())
    monkeypatch.setattr(_fetch, "JARS", (pin,))
    lib = _fetch.kafka_lib()
    assert (lib / "a-1.jar").read_bytes() == b"PK a jar" and (lib / ".complete").exists()
    jar.unlink()  # fetched once: the cache answers now
    assert _fetch.kafka_lib() == lib

    monkeypatch.setattr(_fetch, "JARS", ((pin[0], "0" * 64),))
    jar.write_bytes(b"PK another jar")
    with pytest.raises(_fetch.FetchError, match="is not the jar pinned"):
        _fetch.kafka_lib()
    assert not any(p.name.startswith(".kafka-") for p in (tmp_path / "cache").iterdir())
