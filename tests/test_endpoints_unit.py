"""Explicit provider instances, unit by unit: a provider configured from a `polaris.Provider`'s
inputs, with a value not known yet at preview, looks nothing up; a provider's results keep
which instance serves the object; a move to another instance is a replacement (and a
protected table refuses it at preview); each endpoint has its own wait for its jobs."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ConfigureRequest
from pulumi.runtime.rpc import UNKNOWN

from polaris_pulumi._endpoints import ENDPOINT_KEY
from polaris_pulumi.lookups._provider import LookupProvider
from polaris_pulumi.tables._provider import TableProvider


class _Config:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, key: str) -> Any:
        return self.values.get(key)


def test_a_provider_whose_endpoint_is_not_known_yet_looks_nothing_up() -> None:
    provider = TableProvider()
    config = {"polaris:url": UNKNOWN, "polaris:projectId": "p", "polaris:apiKey": "k" * 20}
    provider.configure(ConfigureRequest(config=_Config(config)))  # type: ignore[arg-type]
    assert provider.configured is False
    table = {"name": "t", "type": "detail", "deletion_protection": False}
    assert provider.check({}, table).failures == []  # no access check, no lookup, no error
    provider.configure(ConfigureRequest(config=_Config(config | {"polaris:url": "http://x"})))  # type: ignore[arg-type]
    assert provider.configured is True and provider._settings["url"] == "http://x"


def test_results_keep_the_instance_and_a_move_replaces() -> None:
    provider = LookupProvider()
    here = {"name": "l", "source": {"table_name": "t"}, ENDPOINT_KEY: "urn:a"}
    there = here | {ENDPOINT_KEY: "urn:b"}
    assert provider.diff("l", here, dict(here)).changes is False
    moved = provider.diff("l", here, there)
    assert moved.replaces == [ENDPOINT_KEY] and moved.delete_before_replace is False
    # Objects made before explicit providers (no key on either side) do not move.
    plain = {k: v for k, v in here.items() if k != ENDPOINT_KEY}
    assert provider.diff("l", plain, dict(plain)).changes is False


def test_a_protected_table_refuses_to_move_at_preview() -> None:
    provider = TableProvider()
    old = {"name": "t", "type": "detail", "deletion_protection": True, ENDPOINT_KEY: "urn:a"}
    new = old | {ENDPOINT_KEY: "urn:b"}
    failures = {f.property: f.reason for f in provider.check(old, new).failures}
    assert "another polaris.Provider" in failures[ENDPOINT_KEY]
    assert (
        provider.check(old, new | {"deletion_protection": False}).failures != []
    )  # the old one decides
    released = old | {"deletion_protection": False}
    assert provider.check(released, new | {"deletion_protection": False}).failures == []
