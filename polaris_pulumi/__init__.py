"""Imply Polaris streaming ingestion (connections, streaming jobs, tables) as Pulumi resources.

The resources, their Args classes and ArgsDicts, and helpers. The REST client, its models and
errors are in `polaris_pulumi.api`.
"""

__version__ = "0.1.0"

from polaris_pulumi._helpers import bootstrap_servers  # noqa: E402
from polaris_pulumi._inputs import (  # noqa: E402
    ConnectionArgs,
    ConnectionSourceArgs,
    ConnectionSourceArgsDict,
    FormatSettingsArgs,
    FormatSettingsArgsDict,
    InputFieldArgs,
    InputFieldArgsDict,
    MappingArgs,
    MappingArgsDict,
    QueryGranularityArgs,
    QueryGranularityArgsDict,
    SaslPlainSecretsArgs,
    SaslPlainSecretsArgsDict,
    StoragePolicyArgs,
    StoragePolicyArgsDict,
    StreamingJobArgs,
    TableArgs,
    TableColumnArgs,
    TableColumnArgsDict,
    TableStoragePolicyArgs,
    TableStoragePolicyArgsDict,
    TableTargetArgs,
    TableTargetArgsDict,
)
from polaris_pulumi._outputs import (  # noqa: E402
    ConnectionSecretsDict,
    HealthDict,
    MetricsDict,
    QueryableColumnDict,
    UserDict,
)
from polaris_pulumi._resources import (  # noqa: E402
    Connection,
    StreamingJob,
    StreamingJobStart,
    Table,
)

__all__ = [
    "Connection",
    "ConnectionArgs",
    "ConnectionSecretsDict",
    "HealthDict",
    "MetricsDict",
    "UserDict",
    "ConnectionSourceArgs",
    "ConnectionSourceArgsDict",
    "FormatSettingsArgs",
    "FormatSettingsArgsDict",
    "InputFieldArgs",
    "InputFieldArgsDict",
    "MappingArgs",
    "MappingArgsDict",
    "QueryGranularityArgs",
    "QueryGranularityArgsDict",
    "QueryableColumnDict",
    "SaslPlainSecretsArgs",
    "SaslPlainSecretsArgsDict",
    "StoragePolicyArgs",
    "StoragePolicyArgsDict",
    "StreamingJob",
    "StreamingJobArgs",
    "StreamingJobStart",
    "Table",
    "TableArgs",
    "TableColumnArgs",
    "TableColumnArgsDict",
    "TableStoragePolicyArgs",
    "TableStoragePolicyArgsDict",
    "TableTargetArgs",
    "TableTargetArgsDict",
    "__version__",
    "bootstrap_servers",
]
