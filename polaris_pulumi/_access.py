"""One look at Polaris before the first change: a wrong API key, URL or project id fails
`pulumi preview` in one sentence that names the setting, instead of the first `up` failing
with it once per resource.

A provider process makes one authenticated GET per kind of object (the list its resources
live in, so a missing permission is found too) and keeps the answer: a refused key, an
unknown project or a URL that does not answer is the same for every kind, and is asked once.
"""

from __future__ import annotations

import threading

from polaris_pulumi._client import PolarisClient, RetryPolicy
from polaris_pulumi._exceptions import (
    URL_HINT,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    PolarisError,
    TransportError,
)
from polaris_pulumi._kinds import KINDS_BY_ROOM

# A preview should not hang on a URL that does not answer: a few quick tries.
PROBE_RETRY = RetryPolicy(max_attempts=3, max_seconds=10.0, initial_backoff=0.5, max_backoff=2.0)


_lock = threading.Lock()
# (settings, kind or "*") -> the error found, or None when the look succeeded.
_seen: dict[tuple[tuple[tuple[str, str], ...], str], ConfigurationError | None] = {}


def verify_access(settings: dict[str, str], kind: str) -> None:
    """Raise ConfigurationError, naming the Pulumi config key and the fix, if this process'
    settings cannot manage `kind` in Polaris; at most one GET per settings and kind."""
    key = tuple(sorted(settings.items()))
    with _lock:
        for seen in ((key, "*"), (key, kind)):
            if seen in _seen:
                if (found := _seen[seen]) is not None:
                    raise found
                if seen[1] == kind:
                    return
        problem, everywhere = _look(settings, kind)
        _seen[(key, "*" if everywhere else kind)] = problem
    if problem is not None:
        raise problem


def _look(settings: dict[str, str], kind: str) -> tuple[ConfigurationError | None, bool]:
    """The probe's finding, and whether it holds for every kind."""
    path, permission = KINDS_BY_ROOM[kind].list_path, KINDS_BY_ROOM[kind].permission
    try:
        with PolarisClient(**settings, retry=PROBE_RETRY) as client:  # type: ignore[arg-type]
            url = client.base_url
            client._request("GET", path)  # noqa: SLF001 - the one raw GET of the probe
    except ConfigurationError as exc:
        return exc, True
    except AuthenticationError as exc:
        return ConfigurationError(
            f"Polaris at {url} refused the credentials ({exc.status_code}: {exc.server_message}). "
            "Set the API key with `pulumi config set --secret polaris:apiKey ...` (or "
            "POLARIS_API_KEY; an OAuth token goes in polaris:bearerToken)."
        ), True
    except PermissionDeniedError:
        return ConfigurationError(
            f"the Polaris API key lacks the {permission} permission, which {kind} need: grant "
            "it to the key in Polaris, or set polaris:apiKey to a key that has it."
        ), False
    except NotFoundError as exc:
        return ConfigurationError(
            f"Polaris at {url} has no such project ({exc.server_message}). Set the project id "
            "with `pulumi config set polaris:projectId ...` (or POLARIS_PROJECT_ID)."
        ), True
    except TransportError as exc:
        if exc.permanent:
            return ConfigurationError(str(exc)), True
        return ConfigurationError(
            f"Polaris at {url} does not answer ({exc.reason}, {PROBE_RETRY.max_attempts} tries). "
            f"{URL_HINT}, and the network."
        ), True
    except PolarisError:
        return None, False  # Polaris answered: the operations themselves will say the rest
    return None, False
