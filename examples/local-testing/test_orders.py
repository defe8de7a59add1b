"""The ingestion of `__main__.py`, tested on a local Polaris that really ingests: the program
is deployed (its Confluent resources stood in for by a local broker), orders are produced, and
the tables' rows are checked against what is computed here; an order whose time does not
parse is not ingested, and the job's logs say which and why."""

from collections import defaultdict
from pathlib import Path

ORDERS = [
    {"ts": "2026-12-01T10:00:05Z", "country": "fr", "amount": 12.5},
    {"ts": "2026-12-01T10:00:40Z", "country": "fr", "amount": 7.5},
    {"ts": "2026-12-01T10:00:59Z", "country": "de", "amount": 3.0},
    {"ts": "2026-12-01T10:01:10Z", "country": "de", "amount": 0.0},
]
MISDATED = {"ts": "01/12/2026 10:02", "country": "fr", "amount": 9.0}  # not ISO 8601


def test_orders_are_counted_per_country_and_minute(polaris_local):
    outputs = polaris_local.deploy(Path(__file__).parent)
    polaris_local.produce(outputs["topic"], [*ORDERS, MISDATED])
    polaris_local.wait_ingested()

    expected = defaultdict(lambda: [0, 0.0])
    for order in ORDERS:
        minute = order["ts"][:16] + ":00.000Z"
        expected[(minute, order["country"].upper())][0] += 1
        expected[(minute, order["country"].upper())][1] += order["amount"]
    rows = polaris_local.query(
        'SELECT __time, country, orders, revenue FROM "orders-per-minute" ORDER BY 1, 2'
    )
    assert rows == [
        {"__time": t, "country": c, "orders": n, "revenue": r}
        for (t, c), (n, r) in sorted(expected.items())
    ]
    [total] = polaris_local.query('SELECT COUNT(*) AS n FROM "orders"')
    assert total == {"n": len(ORDERS)}
    logged = [e for e in polaris_local.job_logs("orders") if e["code"] == "unparseable_time"]
    assert len(logged) == 1 and MISDATED["ts"] in logged[0]["message"]
