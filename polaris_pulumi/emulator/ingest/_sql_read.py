"""Reading Druid SQL: sqlglot's `druid` dialect (keeping what Druid's functions take that it
drops), bounds checked before a text is read (nesting, list items) and while it is (sqlglot's
recursion), and what a job's mapping or filter, or any query, may hold: Druid's functions
and grammar, nothing of DuckDB's."""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.dialects.druid import Druid
from sqlglot.errors import SqlglotError

from polaris_pulumi import _druid_functions
from polaris_pulumi.emulator.ingest._sql_errors import SqlInvalid, Unevaluated


def _array_agg(args: list[exp.Expr]) -> exp.Expr:
    """ARRAY_AGG(expr[, size]): sqlglot's own reader drops the size; it is kept here."""
    node = exp.ArrayAgg(this=args[0])
    if len(args) > 1:
        node.meta["size"] = args[1]
    return node


class _Druid(Druid):
    """sqlglot's `druid` dialect, keeping what Druid's functions take that it drops."""

    class Parser(Druid.Parser):  # type: ignore[misc,valid-type]
        FUNCTIONS = {**Druid.Parser.FUNCTIONS, "ARRAY_AGG": _array_agg}


READ, WRITE = _Druid, "duckdb"
# sqlglot logs what it cannot read (a JSON path) as a warning; the engine's answer says it.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


MAX_NESTING = 100  # parentheses within each other; a deeper text is refused before parsing


def _nesting(text: str) -> int:
    """How deep the text's parentheses nest, outside quoted strings and identifiers and
    comments (a quote inside a comment opens nothing)."""
    depth = deepest = 0
    for m in _PARENS.finditer(text):
        sign = m.group()
        if sign == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif sign == ")":
            depth -= 1
    return deepest


# What may hold a parenthesis that is not one: strings, quoted names, comments.
_PARENS = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|--[^\n]*|/\*.*?(?:\*/|$)|[()]", re.S)


MAX_TERMS = 100_000  # list items (commas): a longer IN list would take seconds to read


def _shallow(text: str) -> None:
    """Refuse, before reading it, text too deep or too long to read in bounded time."""
    if _nesting(text) > MAX_NESTING:
        raise SqlInvalid(f"The SQL nests parentheses deeper than {MAX_NESTING} levels")
    if text.count(",") > MAX_TERMS:
        raise SqlInvalid(
            f"The SQL has more than {MAX_TERMS:,} list items: split the IN list, or join a "
            "table that holds the values"
        )


class _Bounded:
    """Reading or writing SQL that nests deeper than sqlglot's recursion reaches (NOT or minus
    written thousands of times, CASE in CASE), or that it cannot write (a JSON path union),
    is a 400 saying so, never an error of the server's."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _: object
    ) -> None:
        if isinstance(exc, RecursionError):
            raise SqlInvalid("The SQL nests deeper than the local engine reads") from None
        if isinstance(exc, ValueError) and not isinstance(exc, SqlInvalid | Unevaluated):
            raise SqlInvalid(f"The local engine cannot read this SQL: {first_line(exc)}") from None


BOUNDED = _Bounded()


def parse_expression(text: str) -> exp.Expr:
    _shallow(text)
    try:
        with BOUNDED:
            tree = sqlglot.parse_one(text, read=READ)
    except SqlglotError as exc:
        raise SqlInvalid(f"{text!r} is not Druid SQL: {first_line(exc)}") from None
    if tree is None:
        raise SqlInvalid(f"{text!r} is empty")
    return tree


_NOT_EXPRESSION_NODES = (exp.Query, exp.Subquery, exp.Table, exp.Window, exp.Exists)


@dataclass(frozen=True)
class Expression:
    """A job's mapping or filter, read once: its tree, why Druid's mappings cannot hold it
    (None when they can), and the quoted names it reads (its input fields)."""

    tree: exp.Expr | None
    refusal: str | None
    fields: frozenset[str] = frozenset()


def read_expression(text: str) -> Expression:
    """A mapping or filter read from sqlglot's tokens and tree. Refused: a subquery, a
    table, a window, a function of DuckDB's, a qualified name (the words are judged by
    Druid's function reference)."""
    try:
        _shallow(text)
        tokens = READ().tokenize(text)
        tree = parse_expression(text)
    except (SqlInvalid, SqlglotError) as exc:
        return Expression(None, str(exc).splitlines()[0])
    kinds = [t.token_type for t in tokens]
    words = [
        (t.text, i + 1 < len(tokens) and kinds[i + 1] == TokenType.L_PAREN)
        for i, t in enumerate(tokens)
        if kinds[i] not in _NOT_WORDS and t.text[:1].isalpha()
    ]
    why = _druid_functions.refusal(words, any(kind == TokenType.DOT for kind in kinds))
    if why is None and (node := tree.find(*_NOT_EXPRESSION_NODES)) is not None:
        why = f"holds {node.key.upper()}: a mapping or filter reads its input fields only"
    fields = frozenset(t.text for t in tokens if t.token_type == TokenType.IDENTIFIER)
    return Expression(tree, why, fields)


_NOT_WORDS = (TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER)


def parse_query(text: str) -> exp.Query:
    """One SELECT (WITH, UNION): the query API reads, never writes."""
    _shallow(text)
    try:
        with BOUNDED:
            trees = sqlglot.parse(text, read=READ)
    except SqlglotError as exc:
        raise SqlInvalid(f"Incorrect syntax: {first_line(exc)}") from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        raise SqlInvalid("The query API runs exactly one SELECT statement")
    return trees[0]


def first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def druid_only(tree: exp.Expr) -> None:
    """Refuse a function sqlglot knows that is not one of Druid's (DuckDB's `generate_series`,
    `md5`, `current_database`...): the engine runs Druid SQL, not whatever DuckDB has. Functions
    sqlglot does not know are judged by the library (`Unevaluated` unless it has them)."""
    allowed = _druid_nodes()
    for node in tree.find_all(exp.Func):
        if not isinstance(node, _GRAMMAR) and type(node) not in allowed:
            raise Unevaluated(node.sql_name(), "not a Druid SQL function")


# Nodes sqlglot counts as functions that are the grammar's: operators, UNNEST, a call it
# does not know (the library judges those).
_GRAMMAR = (exp.Anonymous, exp.Binary, exp.Unary, exp.Connector, exp.Predicate, exp.Unnest)


@functools.cache
def _druid_nodes() -> frozenset[type[exp.Expr]]:
    """sqlglot's nodes for Druid's functions (each name of its reference, read as Druid SQL),
    with the grammar's own: CAST, CASE, window functions."""
    found: set[type[exp.Expr]] = {exp.Cast, exp.TryCast, exp.Case, exp.If}
    for name in sorted(_druid_functions.FUNCTIONS | _druid_functions.WINDOW_FUNCTIONS):
        for args in ("x", "x, y", "x, y, z", ""):
            try:
                node = sqlglot.parse_one(f"SELECT {name}({args})", read=READ)
            except SqlglotError:
                continue
            found.add(type(node.expressions[0]))
            break
    return frozenset(found)
