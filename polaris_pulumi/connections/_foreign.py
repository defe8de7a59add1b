"""Connections a project may hold that the package does not manage: `s3` and `azure` (batch
ingestion's file sources), and any type Polaris adds later. The client reads them all (a
listing never fails on one); no resource declares them, and the importer lists them."""

from __future__ import annotations

from typing import Any, Literal

from polaris_pulumi.connections._model import _Spec, _Submitted


class _FileSpec(_Spec):
    secrets: dict[str, Any] | None = None
    """How Polaris logs in: a secrets `type` and its keys (only the type is ever shown)."""

    def without_password(self) -> dict[str, Any]:
        """The body minus every secret value: only the secrets' type is kept."""
        body = self.to_api()
        if isinstance(body.get("secrets"), dict):
            body["secrets"] = {"type": body["secrets"].get("type")}
        return body


class S3ConnectionSpec(_FileSpec):
    """An `s3` connection (CreateS3ConnectionRequest): a bucket and prefix batch jobs read."""

    type: Literal["s3"] = "s3"
    bucket: str | None = None
    prefix: str | None = None
    aws_endpoint: str | None = None
    aws_assumed_role_arn: str | None = None


class AzureConnectionSpec(_FileSpec):
    """An `azure` connection (CreateAzureConnectionRequest): a storage account's container."""

    type: Literal["azure"] = "azure"
    storage_account: str | None = None
    container: str | None = None
    prefix: str | None = None


class ForeignConnection(_Submitted):
    """Any connection of a type the package does not manage, as Polaris answers it: its name,
    type and description, and the rest kept as Polaris sent it (read-only)."""

    name: str
    type: str
    description: str | None = None

    def spec(self) -> None:
        """No spec: nothing in this package declares such a connection."""
        return None
