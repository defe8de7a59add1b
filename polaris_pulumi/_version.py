"""The package version, in one place: pyproject reads it, the client's User-Agent sends it."""

__version__ = "0.1.0"
