"""Where earlier versions kept the providers: state written by them pickles its providers as
`polaris_pulumi._provider.<Class>`, and the engine unpickles that blob to delete or read the
resource. These names keep those stacks working; nothing in the package imports this."""

from polaris_pulumi.connections._provider import (
    ConnectionProvider,
    SchemaRegistryConnectionProvider,
)
from polaris_pulumi.jobs._legacy import StreamingJobsCreatedProvider, StreamingJobStartProvider
from polaris_pulumi.jobs._provider import StreamingJobProvider
from polaris_pulumi.tables._provider import TableProvider

__all__ = [
    "ConnectionProvider",
    "SchemaRegistryConnectionProvider",
    "StreamingJobProvider",
    "StreamingJobStartProvider",
    "StreamingJobsCreatedProvider",
    "TableProvider",
]
