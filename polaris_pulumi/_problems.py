"""Problems: one invalid property each, with the properties its rule read, and pydantic's
type errors as problems. The vocabulary of the preview rules and of the emulator's checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel, to_snake

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One invalid property: `path` in snake_case Python names, e.g. ("target", "table_name").

    `depends_on`: other properties the rule read. While any of them (or the property itself)
    is unknown at preview, the problem may be wrong and is not reported.
    """

    path: Path
    message: str
    depends_on: tuple[Path, ...] = ()

    @property
    def property_name(self) -> str:
        return _dotted(self.path, camel=False)

    @property
    def api_field(self) -> str:
        return _dotted(self.path, camel=True)

    def at(self, *prefix: str | int) -> Problem:
        """The same problem, one level down (a list item's field, a nested object's)."""
        return Problem((*prefix, *self.path), self.message, self.depends_on)


def reading(problems: list[Problem], *paths: Path) -> list[Problem]:
    """These problems, as depending on `paths` too."""
    return [Problem(p.path, p.message, (*p.depends_on, *paths)) for p in problems]


def _dotted(path: Path, *, camel: bool) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = to_camel(part) if camel else part
            out += f".{name}" if out else name
    return out


def problems_from_validation_error(
    error: ValidationError, secret: frozenset[str] = frozenset()
) -> list[Problem]:
    """Pydantic's type errors as Problems with snake_case paths.

    The value given is quoted back, except under a `secret` property (a mistyped password).
    """
    out = []
    for e in error.errors(include_url=False):
        loc = _untagged(e["loc"], e["type"])
        path = tuple(p if isinstance(p, int) else to_snake(str(p)) for p in loc)
        hidden = any(p in secret for p in path)
        out.append(Problem(path, _type_message(e, quote=not hidden)))
    return out


# The tags of the discriminated unions the models hold (a connection's `secrets` types):
# pydantic puts the tag in an error's location, which is no property a user wrote.
UNION_TAGS = frozenset({"sasl_plain", "sasl_scram", "aws_iam"})


def _untagged(loc: tuple[int | str, ...], kind: str) -> tuple[int | str, ...]:
    """The location without a union's tag (kept when the tag itself is the problem)."""
    if kind == "union_tag_invalid":
        return loc
    return tuple(p for i, p in enumerate(loc) if not (i and p in UNION_TAGS and i + 1 < len(loc)))


def _type_message(e: Any, *, quote: bool) -> str:
    kind = e.get("type", "")
    got = f" (got {e.get('input')!r})" if quote else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known property" + str((e.get("ctx") or {}).get("hint", ""))
    if kind == "literal_error":
        return f"must be {e['ctx']['expected']}{got}"
    return f"{e['msg'].lower()}{got}"
