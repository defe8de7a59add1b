"""The preview rules every resource shares: names, ISO-8601 periods, Druid SQL expressions,
lists without repeats. Each resource's own rules are in its room (`connections/_rules.py`,
...). The emulator has its own checks (`emulator/api/_checks.py`) and never imports these."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from polaris_pulumi import _druid_functions
from polaris_pulumi._problems import Path, Problem

CONNECTION_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PERIOD_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)


def duplicates(names: Sequence[str], path: Path, what: str) -> list[Problem]:
    """Empty or repeated names in a list: `what` says how a repeat is described."""
    problems, seen = [], set()
    for i, name in enumerate(names):
        if not name:
            problems.append(Problem((*path, i), "must not be empty"))
        elif name in seen:
            problems.append(Problem((*path, i), f"{name!r} is {what} twice"))
        seen.add(name)
    return problems


def enum_problem(value: str | None, allowed: Sequence[str], path: Path) -> list[Problem]:
    if value is None or value in allowed:
        return []
    return [Problem(path, f"{value!r} is not one of {', '.join(allowed)}")]


def table_name_problem(name: str) -> str | None:
    if not name:
        return "must not be empty"
    if len(name) > 255:
        return f"has {len(name)} characters; at most 255 are allowed"
    if name != name.strip(" "):
        return "must not start or end with a space"
    if name.startswith("."):
        return "must not start with '.'"
    if "/" in name:
        return "must not contain '/'"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "must not contain control characters"
    if any(c.isspace() and c != " " for c in name):
        return "must not contain whitespace other than spaces"
    return None


def connection_name_problem(name: str) -> str | None:
    if not CONNECTION_NAME_RE.match(name):
        return (
            f"{name!r} is not a valid connection name: use 1-64 ASCII letters, digits, "
            "'.', '_' or '-'"
        )
    return None


def period_problem(value: str) -> str | None:
    if not _PERIOD_RE.match(value):
        return f"{value!r} is not an ISO-8601 period such as P30D, PT12H or P1Y2M"
    return None


def expression_fields(expression: str) -> list[str]:
    """Druid SQL identifiers in double quotes, outside strings and comments: the input fields
    an expression reads."""
    return [text[1:-1].replace('""', '"') for kind, text in _lexemes(expression) if kind == "name"]


def expression_problem(expression: str) -> str | None:
    if not expression.strip():
        return "must not be empty"
    depth = 0
    in_single = in_double = False
    for c in expression:
        if c == "'" and not in_double:
            in_single = not in_single
        elif c == '"' and not in_single:
            in_double = not in_double
        elif not in_single and not in_double:
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth < 0:
                return "has a ')' without its '('"
    if in_single or in_double:
        return "has an unterminated quote"
    if depth:
        return "has unbalanced parentheses"
    return _druid_functions.refusal(*_words(expression))


# A lexeme of Druid SQL: a string, a quoted name, a comment, a number, a word, or a sign.
_LEXEME = re.compile(
    r"""(?P<string>'(?:[^']|'')*')|(?P<skip>--[^\n]*|/\*.*?(?:\*/|$)"""
    r"""|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\s+)"""
    r"""|(?P<name>"(?:[^"]|"")*")|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)|(?P<sign>.)""",
    re.S,
)


def lookup_names(expression: str) -> list[str]:
    """The lookups an expression's LOOKUP calls name (`name` of `'name[key][value]'`), when
    the name is a string literal."""
    lexemes = _lexemes(expression, "skip")
    calls = [
        i + 1
        for i, (kind, text) in enumerate(lexemes[:-1])
        if kind == "word" and text.upper() == "LOOKUP" and lexemes[i + 1][1] == "("
    ]
    names = [_second_string(lexemes, opened) for opened in calls]
    return [name.split("[")[0] for name in names if name is not None]


def _second_string(lexemes: list[tuple[str, str]], opened: int) -> str | None:
    """The call's second argument, opened at lexeme `opened`, when it is a string literal."""
    depth = 0
    for j in range(opened, len(lexemes) - 1):
        depth += {"(": 1, ")": -1}.get(lexemes[j][1], 0)
        if depth == 0:
            return None
        if depth == 1 and lexemes[j][1] == ",":
            kind, text = lexemes[j + 1]
            return text[1:-1].replace("''", "'") if kind == "string" else None
    return None


def _lexemes(expression: str, *left_out: str) -> list[tuple[str, str]]:
    """The expression's lexemes (kind, text), without those of the kinds `left_out`."""
    return [
        (m.lastgroup or "", m.group())
        for m in _LEXEME.finditer(expression)
        if m.lastgroup not in left_out
    ]


def _words(expression: str) -> tuple[list[tuple[str, bool]], bool]:
    """The expression's words outside strings and quoted names, each with whether a
    parenthesis follows it, and whether a name in it is qualified (`t.x`): what preview
    needs to know of it, without a SQL parser."""
    lexemes = _lexemes(expression, "skip", "string")
    words = [
        (text, i + 1 < len(lexemes) and lexemes[i + 1][1] == "(")
        for i, (kind, text) in enumerate(lexemes)
        if kind == "word"
    ]
    dotted = any(
        text == "."
        and 0 < i < len(lexemes) - 1
        and lexemes[i - 1][0] in ("name", "word")
        and lexemes[i + 1][0] in ("name", "word")
        for i, (_, text) in enumerate(lexemes)
    )
    return words, dotted
