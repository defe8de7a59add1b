"""Druid's operand checks: its planner (Calcite) refuses a call whose arguments are of the
wrong family before anything runs, naming the types it saw: "Cannot apply 'ARRAY_APPEND' to
arguments of type 'ARRAY_APPEND(<BIGINT>, <BIGINT>)'". The local engine checks the same
families on the types it knows (columns, unnest aliases, literals, casts, `RETURNING`), so a
user reads Druid's refusal, not DuckDB's. An argument of unknown type is never refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp

from polaris_pulumi.emulator.ingest._sql_errors import SqlInvalid

# A family: which Druid types an operand of it refuses (a VARCHAR may be a multi-value
# string, which Druid's array functions take).
_NUMBERS = ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "DECIMAL")
_NOT_ARRAY = (*_NUMBERS, "TIMESTAMP", "COMPLEX<JSON>", "BOOLEAN")
Family = Callable[[str], bool]  # whether a type is refused


def _array(t: str) -> bool:
    return not t.endswith(" ARRAY") and t.startswith(_NOT_ARRAY)


def _scalar(t: str) -> bool:
    return t.endswith(" ARRAY")


def _time(t: str) -> bool:
    return t.startswith(_NUMBERS) or t.endswith(" ARRAY") or t == "COMPLEX<JSON>"


def _any(_: str) -> bool:
    return False


_FORMS: dict[Family, str] = {_array: "ARRAY", _scalar: "ANY", _time: "TIMESTAMP", _any: "ANY"}

# Each checked function: its operands' families, in Druid's order (the rest unchecked).
SIGNATURES: dict[str, tuple[Family, ...]] = {
    "ARRAY_CONCAT_AGG": (_array,),
    "ARRAY_OFFSET": (_array, _scalar),
    "ARRAY_ORDINAL": (_array, _scalar),
    "ARRAY_CONTAINS": (_array, _any),
    "ARRAY_OVERLAP": (_array, _array),
    "ARRAY_OFFSET_OF": (_array, _scalar),
    "ARRAY_ORDINAL_OF": (_array, _scalar),
    "ARRAY_PREPEND": (_scalar, _array),
    "ARRAY_APPEND": (_array, _scalar),
    "ARRAY_CONCAT": (_array, _array),
    "ARRAY_SLICE": (_array, _scalar, _scalar),
    "ARRAY_TO_STRING": (_array, _scalar),
    "TIME_CEIL": (_time,),
    "TIME_FLOOR": (_time,),
    "TIME_SHIFT": (_time,),
    "TIME_EXTRACT": (_time,),
    "TIME_FORMAT": (_time,),
    "TIME_IN_INTERVAL": (_time,),
    "TIMESTAMP_TO_MILLIS": (_time,),
    "UNNEST": (_array,),
}

_DRUID_TYPES = {
    "TEXT": "VARCHAR",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "VARCHAR": "VARCHAR",
    "TIMESTAMP": "TIMESTAMP",
    "JSON": "COMPLEX<JSON>",
    "BOOLEAN": "BOOLEAN",
    "INT": "INTEGER",
    "INTEGER": "INTEGER",
}


def check(tree: exp.Expr, types: Mapping[str, str]) -> dict[str, str]:
    """Refuse, in Druid's words, the first call whose operands are of a family its function
    does not take. `types` are the columns' DuckDB types, by lower-cased name; the answer
    adds the DuckDB types of the unnest aliases the query names (what the rules may know)."""
    known = _scope(tree, types)
    for node in tree.walk():
        name = _name(node)
        families = SIGNATURES.get(name) if name else None
        if not families:
            continue
        args = _args(node)
        seen = [_type(a, known) for a in args]
        if any(t is None for t in seen):
            continue
        if any(refused(t) for refused, t in zip(families, seen, strict=False) if t is not None):
            got = ", ".join(f"<{t}>" for t in seen)
            forms = ", ".join(f"<{_FORMS[f]}>" for f in families)
            raise SqlInvalid(
                f"Cannot apply '{name}' to arguments of type '{name}({got})'. "
                f"Supported form(s): '{name}({forms})'"
            )
    return {**types, **{n: _duck(t) for n, t in known.items() if t and n not in types}}


def _name(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Anonymous):
        return node.name.upper()
    if isinstance(node, exp.Unnest):
        return "UNNEST"
    if isinstance(node, exp.Func):
        return node.sql_name()
    return None


def _args(node: exp.Expr) -> list[exp.Expr]:
    """A call's arguments in the order Druid's text gives them."""
    if isinstance(node, exp.Anonymous | exp.Unnest):
        return list(node.expressions)
    args: list[exp.Expr] = []
    for key in ("this", "expression", "expressions", "start", "end"):
        value = node.args.get(key)
        args += value if isinstance(value, list) else [value] if value is not None else []
    return args


def _scope(tree: exp.Expr, types: Mapping[str, str]) -> dict[str, str | None]:
    """Druid types of the names the query may reference: the tables' columns, an unnest
    alias as its array's element type; a name aliased otherwise is of unknown type."""
    known: dict[str, str | None] = {n: _druid(t) for n, t in types.items()}
    for named in tree.find_all(exp.Alias):
        known[named.alias.lower()] = None
    for unnest in tree.find_all(exp.Unnest):
        alias = unnest.args.get("alias")
        columns = alias.columns if isinstance(alias, exp.TableAlias) else []
        array = _type(unnest.expressions[0], known) if unnest.expressions else None
        element = array[: -len(" ARRAY")] if array and array.endswith(" ARRAY") else None
        for column in columns:
            known[column.name.lower()] = element
    return known


def _duck(druid: str) -> str:
    if druid.endswith(" ARRAY"):
        return _duck(druid[: -len(" ARRAY")]) + "[]"
    base = druid.split("(")[0]
    return {"COMPLEX<JSON>": "JSON", "INTEGER": "BIGINT", "CHAR": "VARCHAR"}.get(base, base)


def _druid(duck: str) -> str | None:
    if duck.endswith("[]"):
        inner = _druid(duck[:-2])
        return f"{inner} ARRAY" if inner else None
    return _DRUID_TYPES.get(duck.split("(")[0])


def _type(node: exp.Expr, known: Mapping[str, str | None]) -> str | None:
    """The Druid SQL type Calcite gives an expression, where the engine knows it."""
    if isinstance(node, exp.Paren):
        return _type(node.this, known)
    if isinstance(node, exp.Column) and not node.table:
        return known.get(node.name.lower())
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Array) and node.expressions:
        one = _least_restrictive([_type(e, known) for e in node.expressions])
        return f"{one} ARRAY" if one else None
    if isinstance(node, exp.JSONValue) and node.args.get("returning") is not None:
        return _declared(node.args["returning"])
    if isinstance(node, exp.Cast):
        return _declared(node.to)
    if isinstance(node, exp.Anonymous) and node.name.upper() in ("MV_TO_ARRAY", "STRING_TO_ARRAY"):
        return "VARCHAR ARRAY"
    return None


_WIDENING = ("INTEGER", "BIGINT", "FLOAT", "DOUBLE")  # Calcite's order among numbers


def _least_restrictive(types: list[str | None]) -> str | None:
    """The type of an ARRAY[...] of these: one type, or the widest of numbers."""
    if None in types:
        return None
    if len(set(types)) == 1:
        return types[0]
    if all(t in _WIDENING for t in types):
        return max(types, key=lambda t: _WIDENING.index(str(t)))
    return None


def _literal(node: exp.Literal) -> str | None:
    text = str(node.this)
    if node.is_string:
        return f"CHAR({len(text)})"
    if text.lstrip("-").isdigit():
        return "INTEGER" if -(2**31) <= int(text) < 2**31 else "BIGINT"
    return None


def _declared(to: exp.DataType) -> str | None:
    if to.is_type(exp.DType.ARRAY) and to.expressions:
        inner = _declared(to.expressions[0])
        return f"{inner} ARRAY" if inner else None
    return _DRUID_TYPES.get(to.sql("duckdb").upper())
