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
