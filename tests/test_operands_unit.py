"""Druid's operand checks: a call whose argument is of a family its function does not take is
refused before it runs, in Calcite's words with the types it saw; an argument of unknown type
is never refused (the engine answers, as Druid would for a type it accepts)."""

from __future__ import annotations

import duckdb
import pytest

from polaris_pulumi.emulator.ingest import _druid_sql as sql

COLUMNS = {"a_int": "BIGINT[]", "s_int": "BIGINT", "s_str": "VARCHAR", "j": "JSON"}


def refusal(query: str) -> str | None:
    try:
        sql.to_duckdb(sql.parse_query(query), types=COLUMNS)
    except sql.SqlInvalid as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        (
            "SELECT array_concat_agg(c) FROM t, unnest(a_int) AS u(c)",
            "'ARRAY_CONCAT_AGG(<BIGINT>)'. Supported form(s): 'ARRAY_CONCAT_AGG(<ARRAY>)'",
        ),
        ("SELECT array_append(s_int, s_int) FROM t", "'ARRAY_APPEND(<BIGINT>, <BIGINT>)'"),
        ("SELECT array_prepend(a_int, a_int) FROM t", "(<BIGINT ARRAY>, <BIGINT ARRAY>)"),
        ("SELECT array_contains(s_int, array[1, 2]) FROM t", "(<BIGINT>, <INTEGER ARRAY>)"),
        ("SELECT array_slice(s_int, 1, 2) FROM t", "(<BIGINT>, <INTEGER>, <INTEGER>)"),
        ("SELECT array_to_string(s_int, '|') FROM t", "(<BIGINT>, <CHAR(1)>)"),
        ("SELECT c FROM t, unnest(j) AS u(c)", "'UNNEST(<COMPLEX<JSON>>)'"),
        (
            "SELECT array_overlap(json_value(j, '$.a' RETURNING bigint array), 1) FROM t",
            "(<BIGINT ARRAY>, <INTEGER>)",
        ),
        ("SELECT time_floor(s_int, 'P1D') FROM t", "'TIME_FLOOR(<BIGINT>, <CHAR(3)>)'"),
    ],
)
def test_a_wrong_family_is_refused_as_druid_says(query: str, shown: str) -> None:
    name = query.split("(")[0].split()[-1].upper()
    name = "UNNEST" if "unnest(j)" in query else name
    message = refusal(query)
    assert message is not None and message.startswith(f"Cannot apply '{name}'")
    assert shown in message


@pytest.mark.parametrize(
    "query",
    [
        "SELECT array_append(a_int, s_int) FROM t",
        "SELECT array_contains(s_str, 'a') FROM t",  # a multi-value string is taken
        "SELECT array_concat_agg(a_int) FROM t",
        "SELECT array_length(x) FROM (SELECT s_int AS x FROM t)",  # alias: type unknown
        "SELECT time_floor(__time, 'P1D') FROM t",
        "SELECT c FROM t, unnest(a_int) AS u(c)",
    ],
)
def test_a_taken_or_unknown_type_is_not_refused(query: str) -> None:
    types = {**COLUMNS, "__time": "TIMESTAMP"}
    sql.to_duckdb(sql.parse_query(query), types=types)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("s_str + s_int", 12 + 3),  # text beside a long is read as a long
        ("s_str * 0.5", 12 * 0.5),
        ("'x' + s_int", None),  # text that spells no number is null
        ("ABS(s_neg)", 2.5),
        ("UPPER(s_int)", "3"),  # a number where text is taken is its text
        ("REPLACE(s_int, '3', 'three')", "three"),
        ("POSITION('2' IN s_str)", 2),
    ],
)
def test_druid_reads_text_as_a_number_and_a_number_as_text(
    expression: str, expected: object
) -> None:

    types = {"s_str": "VARCHAR", "s_int": "BIGINT", "s_neg": "VARCHAR"}
    text = sql.to_duckdb(sql.parse_query(f"SELECT {expression} FROM t"), types=types)
    db = duckdb.connect()
    db.execute("CREATE TABLE t AS SELECT '12' AS s_str, 3::BIGINT AS s_int, '-2.5' AS s_neg")
    assert db.execute(text).fetchall() == [(expected,)]
