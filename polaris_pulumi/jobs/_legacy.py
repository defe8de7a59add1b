"""What earlier versions made beside each job: a `StreamingJobStart` per job and one
`StreamingJobsCreated` barrier. Their stacks still hold them, and the next `up` deletes them
(the one wait, `StreamingJobsStarted`, takes their place), so their providers must still load
and delete: neither makes an API call."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider


class _Gone(ResourceProvider):
    serialize_as_secret_always = False  # holds nothing at all

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("no program makes this resource any more")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props, {})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None


class StreamingJobStartProvider(_Gone):
    """Was: the wait for one job."""


class StreamingJobsCreatedProvider(_Gone):
    """Was: the barrier after every job."""
