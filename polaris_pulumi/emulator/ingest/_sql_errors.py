"""What the local engine says of Druid SQL it cannot run: text that is not Druid SQL, and a
function it does not evaluate (named, never guessed)."""

from __future__ import annotations


class SqlInvalid(ValueError):
    """Text that is not Druid SQL, or a statement the API does not run."""


class Unevaluated(ValueError):
    """A function (or a use of one) the local engine does not evaluate: named, never guessed."""

    def __init__(self, name: str, why: str = "") -> None:
        super().__init__(f"function {name}{f' ({why})' if why else ''}")
        self.function = name


def engine_reason(exc: Exception) -> str:
    """The first line of a DuckDB error without its class ("Binder Error: ..."): what the
    engine says, never in DuckDB's shape."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return first.split(": ", 1)[-1] if first.split(":")[0].endswith("Error") else first
