"""Lookups through Imply's official SDK against the emulator: every answer's status is one the
SDK's operation accepts, with the body of its model (tests/contract.py)."""

from __future__ import annotations

from polaris.sdk.client import ProjectClient

from tests import samples
from tests.test_conformance import body, call, model, sdk  # noqa: F401 - sdk is a fixture


def test_lookups_through_the_official_sdk(sdk: ProjectClient) -> None:  # noqa: F811
    ops = sdk.lookups
    call(
        sdk.tables.create_table,
        model("TablePayload", samples.LOOKUP_TABLE | {"version": 0}),
        expect=201,
    )
    create = {k: v for k, v in samples.LOOKUP.items() if k != "aliases"}
    made = body(call(ops.create_lookup, model("CreateLookupRequest", create), expect=201))
    assert made == create
    call(ops.create_lookup, model("CreateLookupRequest", create), expect=409)
    missing = create | {"name": "other", "source": {"type": "table", "tableName": "nope"}}
    refused = body(call(ops.create_lookup, model("CreateLookupRequest", missing), expect=400))
    assert refused["details"][0]["target"] == "source.tableName"
    aliases = {"values": samples.LOOKUP["aliases"]}
    name = create["name"]
    set_ = body(
        call(
            ops.update_lookup_aliases,
            name,
            model("UpdateLookupAliasesRequest", aliases),
            expect=200,
        )
    )
    assert set_ == aliases
    assert body(call(ops.list_lookup_aliases, name, expect=200)) == aliases
    assert body(call(ops.get_lookup, name, expect=200)) == create
    call(ops.get_lookup, "nope", expect=400)  # the contract lists no 404 for a lookup's read
    listed = body(call(ops.list_lookups, expect=200))
    assert listed == {"values": [create]}
    update = {"source": create["source"]}
    call(ops.update_lookup, name, model("UpdateLookupRequest", update), expect=200)
    call(ops.update_lookup, "nope", model("UpdateLookupRequest", update), expect=404)
    call(ops.delete_lookup, name, expect=200)
    call(ops.delete_lookup, name, expect=404)
