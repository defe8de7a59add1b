"""The streaming sources that are not Kafka: Polaris' own push streaming endpoint, and Amazon
Kinesis. Neither logs in with a password: push streaming takes events from callers of the
project's API, and Kinesis is read through an IAM role Polaris assumes."""

from __future__ import annotations

from typing import Annotated, Literal

from polaris_pulumi._meta import Prop
from polaris_pulumi.connections._model import _Spec, _Submitted


class PushStreamingConnectionSpec(_Spec):
    """A Polaris connection of type `push_streaming` (CreatePushStreamingConnectionRequest):
    events sent to the project's events endpoint (`POST /v1/projects/{id}/events/{name}`,
    `PolarisClient.push_events`) go to every streaming job on it."""

    type: Annotated[Literal["push_streaming"], Prop(internal=True)] = "push_streaming"


class PushStreamingConnection(PushStreamingConnectionSpec, _Submitted):
    """A `push_streaming` connection as Polaris answers it (PushStreamingConnectionResponse)."""

    endpoint_url: Annotated[str | None, Prop(output=True)] = None
    """Where to push events: POST newline-delimited JSON there, with the API key."""

    def spec(self) -> PushStreamingConnectionSpec:
        """What this connection was made from."""
        return self._derived_spec(PushStreamingConnectionSpec)


class KinesisConnectionSpec(_Spec):
    """A Polaris connection of type `kinesis` (CreateKinesisConnectionRequest): an Amazon
    Kinesis data stream, read through an IAM role that trusts Polaris' AWS account."""

    type: Annotated[Literal["kinesis"], Prop(internal=True)] = "kinesis"
    stream: str
    """The Kinesis data stream to read (its name)."""
    aws_endpoint: str
    """The Kinesis endpoint of the stream's region, e.g. `kinesis.us-east-1.amazonaws.com`."""
    aws_assumed_role_arn: str
    """The IAM role Polaris assumes to read the stream (arn:aws:iam::<account>:role/<name>)."""


class KinesisConnection(KinesisConnectionSpec, _Submitted):
    """A `kinesis` connection as Polaris answers it (KinesisConnectionResponse)."""

    def spec(self) -> KinesisConnectionSpec:
        """What this connection was made from."""
        return self._derived_spec(KinesisConnectionSpec)
