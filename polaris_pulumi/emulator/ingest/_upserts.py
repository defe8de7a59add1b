"""Upserts (a streaming job's `enableUpserts`, Polaris' dimension upsert jobs): the table keeps
one row per key (`upsertKeyColumns`, several make a compound key), the one of the highest
version (`upsertVersionColumn`, `__time` by default); of one key and one version, the one that
came last. Done in the batch's own transaction, so it holds exactly once as the rest of the
data path does: a batch's rows, its upserts and its position are committed together."""

from __future__ import annotations

import duckdb

from polaris_pulumi.emulator.ingest._rows import quote


def apply(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    cast: str,
    upsert: tuple[tuple[str, ...], str],
    place: str,
) -> int:
    """Merge `"$out"` (cast to the table's types by `cast`) into `table` by key; the rows the
    batch wrote (its winners that no stored row of a higher version outranks)."""
    keys, version = upsert
    v = quote(version)
    order = f"{v} DESC NULLS LAST, {quote(place)} DESC"
    cur.execute(
        f'CREATE TEMP TABLE "$win" AS SELECT {cast} FROM "$out" '
        f"QUALIFY row_number() OVER (PARTITION BY {_list(keys)} ORDER BY {order}) = 1"
    )
    same = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM w.{quote(k)}" for k in keys)
    # A stored row of the key gives way to a winner of a version at least as high.
    cur.execute(
        f'DELETE FROM {table} AS t WHERE EXISTS (SELECT 1 FROM "$win" AS w WHERE {same} '
        f"AND (w.{v} >= t.{v} OR t.{v} IS NULL))"
    )
    (written,) = cur.execute(
        f'SELECT count(*) FROM "$win" AS w WHERE NOT EXISTS (SELECT 1 FROM {table} AS t '
        f"WHERE {same})"
    ).fetchone() or (0,)
    cur.execute(
        f'INSERT INTO {table} BY NAME SELECT * FROM "$win" AS w WHERE NOT EXISTS '
        f"(SELECT 1 FROM {table} AS t WHERE {same})"
    )
    cur.execute('DROP TABLE "$win"')
    return int(written)


def _list(names: tuple[str, ...]) -> str:
    return ", ".join(quote(n) for n in names)
