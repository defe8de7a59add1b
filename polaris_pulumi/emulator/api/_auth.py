"""Who is asking: API keys (HTTP Basic, as the SDK and curl send them) and OAuth tokens, with
the permissions each key holds."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass

from polaris_pulumi.emulator.api._errors import PolarisAPIError

ALL_PERMISSIONS = frozenset(
    {"AccessQueries", "ManageConnections", "ManageIngestionJobs", "ManageTables"}
)


@dataclass
class Principal:
    username: str
    user_id: str
    permissions: frozenset[str]

    def user(self) -> dict[str, str]:
        return {"username": self.username, "userId": self.user_id}


class Auth:
    """The keys and tokens the emulator accepts."""

    def __init__(self, api_keys: dict[str, frozenset[str]], bearer_tokens: frozenset[str]) -> None:
        self.api_keys = api_keys
        self.bearer_tokens = bearer_tokens

    def authenticate(self, header: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if scheme == "Basic" and token:
            for candidate in (token, _basic_user(token)):
                if candidate and candidate in self.api_keys:
                    digest = hashlib.sha256(candidate.encode()).hexdigest()
                    return Principal(
                        f"apikey-{digest[:8]}",
                        str(uuid.UUID(digest[:32])),
                        self.api_keys[candidate],
                    )
        elif scheme == "Bearer" and token:
            if token in self.bearer_tokens:
                digest = hashlib.sha256(token.encode()).hexdigest()
                return Principal(
                    f"oauth-{digest[:8]}", str(uuid.UUID(digest[:32])), ALL_PERMISSIONS
                )
            raise PolarisAPIError(401, "Token claims invalid: token expired or unknown")
        raise PolarisAPIError(401, "Unauthorized")

    @staticmethod
    def require(principal: Principal, permission: str) -> None:
        if permission not in principal.permissions:
            raise PolarisAPIError(403, f"Forbidden: the API key lacks the {permission} permission")


def _basic_user(token: str) -> str | None:
    """`curl --user KEY:` and the official SDK send base64("KEY:") (the SDK URL-safe)."""
    try:
        decoded = base64.urlsafe_b64decode(token.replace("+", "-").replace("/", "_")).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, _ = decoded.partition(":")
    return user if sep else None
