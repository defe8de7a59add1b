"""HUMAN_READABLE_*_FORMAT against Druid's algorithm (its HumanReadableBytes), written out
here in Python: the engine's SQL must give the same text for numbers across every unit."""

from __future__ import annotations

import decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polaris_pulumi.emulator.ingest import _druid_sql as sql


def java_f(value: float, precision: int) -> str:
    """Java's `%.Nf`: half up, on the value's decimal digits."""
    q = decimal.Decimal(1).scaleb(-precision)
    return str(decimal.Decimal(repr(value)).quantize(q, rounding=decimal.ROUND_HALF_UP))


def binary(n: int, p: int) -> str:
    if -1024 < n < 1024:
        return f"{n} B"
    unit = (abs(n).bit_length() - 1) // 10
    return f"{java_f(n / (1 << (unit * 10)), p)} {['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][unit]}B"


def decimal_(n: int, p: int, suffix: str) -> str:
    if -1000 < n < 1000:
        return f"{n} {suffix}".strip()
    unit = 0
    while n <= -1_000_000 or n >= 1_000_000:
        n = int(n / 1000)  # Java's long division: toward zero
        unit += 1
    return f"{java_f(n / 1000.0, p)} {'KMGTPE'[unit]}{suffix}".strip()


CONNECTION = duckdb.connect()


def engine(function: str, n: int, p: int) -> str:
    text = sql.to_duckdb(sql.parse_expression(f"{function}({n}, {p})"))
    found = CONNECTION.execute(f"SELECT {text}").fetchone()
    assert found is not None
    return str(found[0])


@settings(max_examples=100, deadline=None)
@given(
    n=st.one_of(st.integers(-(2**52), 2**52), st.integers(-5000, 5000)),
    p=st.integers(0, 3),
)
def test_the_three_formats_print_what_druid_prints(n: int, p: int) -> None:
    assert engine("HUMAN_READABLE_BINARY_BYTE_FORMAT", n, p) == binary(n, p)
    assert engine("HUMAN_READABLE_DECIMAL_BYTE_FORMAT", n, p) == decimal_(n, p, "B")
    assert engine("HUMAN_READABLE_DECIMAL_FORMAT", n, p) == decimal_(n, p, "")


@pytest.mark.parametrize(
    "n", [1005, 2675, 1_234_500, -1005, 999_999, 1152, 1_048_576, 2**50 - 4, -(2**40) + 1]
)
def test_ties_round_half_up_as_java_does(n: int) -> None:
    for p in range(4):
        assert engine("HUMAN_READABLE_DECIMAL_FORMAT", n, p) == decimal_(n, p, "")
        assert engine("HUMAN_READABLE_BINARY_BYTE_FORMAT", n, p) == binary(n, p)


def test_a_precision_out_of_range_is_refused_by_name() -> None:
    with pytest.raises(sql.Unevaluated, match="HUMAN_READABLE_DECIMAL_FORMAT"):
        sql.to_duckdb(sql.parse_expression("HUMAN_READABLE_DECIMAL_FORMAT(1, 4)"))
