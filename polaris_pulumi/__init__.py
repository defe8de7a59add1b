"""Imply Polaris streaming ingestion (Kafka and Schema Registry connections, streaming jobs,
tables) as Pulumi resources.

The resources, their Args classes and ArgsDicts, and helpers. The REST client, its models and
errors are in `polaris_pulumi.api`. Names load on first use, so that the emulator, which
shares the API models, can run without Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from polaris_pulumi._version import __version__

if TYPE_CHECKING:
    from polaris_pulumi._helpers import (
        bootstrap_servers,
    )
    from polaris_pulumi._outputs import (
        ConnectionSecretsDict,
        HealthDict,
        MetricsDict,
        QueryableColumnDict,
        UserDict,
    )
    from polaris_pulumi.connections._generated import (
        AwsIamSecretsArgs,
        AwsIamSecretsArgsDict,
        BasicAuthSecretsArgs,
        BasicAuthSecretsArgsDict,
        ConnectionArgs,
        KafkaConnectionArgs,
        KafkaSslArgs,
        KafkaSslArgsDict,
        PemKeystoreArgs,
        PemKeystoreArgsDict,
        PemTruststoreArgs,
        PemTruststoreArgsDict,
        SaslPlainSecretsArgs,
        SaslPlainSecretsArgsDict,
        SaslScramSecretsArgs,
        SaslScramSecretsArgsDict,
        SchemaRegistryConnectionArgs,
    )
    from polaris_pulumi.connections._resource import (
        Connection,
        KafkaConnection,
        SchemaRegistryConnection,
    )
    from polaris_pulumi.jobs._generated import (
        ConnectionSourceArgs,
        ConnectionSourceArgsDict,
        FormatSettingsArgs,
        FormatSettingsArgsDict,
        InputFieldArgs,
        InputFieldArgsDict,
        MappingArgs,
        MappingArgsDict,
        ParseSchemaProviderArgs,
        ParseSchemaProviderArgsDict,
        StreamingJobArgs,
        TableTargetArgs,
        TableTargetArgsDict,
    )
    from polaris_pulumi.jobs._resource import (
        StreamingJob,
        StreamingJobsStarted,
    )
    from polaris_pulumi.tables._generated import (
        QueryGranularityArgs,
        QueryGranularityArgsDict,
        StoragePolicyArgs,
        StoragePolicyArgsDict,
        TableArgs,
        TableColumnArgs,
        TableColumnArgsDict,
        TableStoragePolicyArgs,
        TableStoragePolicyArgsDict,
    )
    from polaris_pulumi.tables._resource import (
        Table,
    )

_WHERE = {
    "bootstrap_servers": "polaris_pulumi._helpers",
    "BasicAuthSecretsArgs": "polaris_pulumi.connections._generated",
    "BasicAuthSecretsArgsDict": "polaris_pulumi.connections._generated",
    "ConnectionArgs": "polaris_pulumi.connections._generated",
    "SaslPlainSecretsArgs": "polaris_pulumi.connections._generated",
    "SaslPlainSecretsArgsDict": "polaris_pulumi.connections._generated",
    "SchemaRegistryConnectionArgs": "polaris_pulumi.connections._generated",
    "AwsIamSecretsArgs": "polaris_pulumi.connections._generated",
    "AwsIamSecretsArgsDict": "polaris_pulumi.connections._generated",
    "KafkaConnectionArgs": "polaris_pulumi.connections._generated",
    "KafkaSslArgs": "polaris_pulumi.connections._generated",
    "KafkaSslArgsDict": "polaris_pulumi.connections._generated",
    "PemKeystoreArgs": "polaris_pulumi.connections._generated",
    "PemKeystoreArgsDict": "polaris_pulumi.connections._generated",
    "PemTruststoreArgs": "polaris_pulumi.connections._generated",
    "PemTruststoreArgsDict": "polaris_pulumi.connections._generated",
    "SaslScramSecretsArgs": "polaris_pulumi.connections._generated",
    "SaslScramSecretsArgsDict": "polaris_pulumi.connections._generated",
    "ConnectionSourceArgs": "polaris_pulumi.jobs._generated",
    "ConnectionSourceArgsDict": "polaris_pulumi.jobs._generated",
    "FormatSettingsArgs": "polaris_pulumi.jobs._generated",
    "FormatSettingsArgsDict": "polaris_pulumi.jobs._generated",
    "InputFieldArgs": "polaris_pulumi.jobs._generated",
    "InputFieldArgsDict": "polaris_pulumi.jobs._generated",
    "MappingArgs": "polaris_pulumi.jobs._generated",
    "MappingArgsDict": "polaris_pulumi.jobs._generated",
    "ParseSchemaProviderArgs": "polaris_pulumi.jobs._generated",
    "ParseSchemaProviderArgsDict": "polaris_pulumi.jobs._generated",
    "StreamingJobArgs": "polaris_pulumi.jobs._generated",
    "TableTargetArgs": "polaris_pulumi.jobs._generated",
    "TableTargetArgsDict": "polaris_pulumi.jobs._generated",
    "QueryGranularityArgs": "polaris_pulumi.tables._generated",
    "QueryGranularityArgsDict": "polaris_pulumi.tables._generated",
    "StoragePolicyArgs": "polaris_pulumi.tables._generated",
    "StoragePolicyArgsDict": "polaris_pulumi.tables._generated",
    "TableArgs": "polaris_pulumi.tables._generated",
    "TableColumnArgs": "polaris_pulumi.tables._generated",
    "TableColumnArgsDict": "polaris_pulumi.tables._generated",
    "TableStoragePolicyArgs": "polaris_pulumi.tables._generated",
    "TableStoragePolicyArgsDict": "polaris_pulumi.tables._generated",
    "ConnectionSecretsDict": "polaris_pulumi._outputs",
    "HealthDict": "polaris_pulumi._outputs",
    "MetricsDict": "polaris_pulumi._outputs",
    "QueryableColumnDict": "polaris_pulumi._outputs",
    "UserDict": "polaris_pulumi._outputs",
    "Connection": "polaris_pulumi.connections._resource",
    "SchemaRegistryConnection": "polaris_pulumi.connections._resource",
    "KafkaConnection": "polaris_pulumi.connections._resource",
    "StreamingJob": "polaris_pulumi.jobs._resource",
    "StreamingJobsStarted": "polaris_pulumi.jobs._resource",
    "Table": "polaris_pulumi.tables._resource",
}

__all__ = [
    "AwsIamSecretsArgs",
    "AwsIamSecretsArgsDict",
    "BasicAuthSecretsArgs",
    "BasicAuthSecretsArgsDict",
    "Connection",
    "ConnectionArgs",
    "ConnectionSecretsDict",
    "ConnectionSourceArgs",
    "ConnectionSourceArgsDict",
    "FormatSettingsArgs",
    "FormatSettingsArgsDict",
    "HealthDict",
    "InputFieldArgs",
    "InputFieldArgsDict",
    "KafkaConnection",
    "KafkaConnectionArgs",
    "KafkaSslArgs",
    "KafkaSslArgsDict",
    "MappingArgs",
    "MappingArgsDict",
    "MetricsDict",
    "ParseSchemaProviderArgs",
    "ParseSchemaProviderArgsDict",
    "PemKeystoreArgs",
    "PemKeystoreArgsDict",
    "PemTruststoreArgs",
    "PemTruststoreArgsDict",
    "QueryGranularityArgs",
    "QueryGranularityArgsDict",
    "QueryableColumnDict",
    "SaslPlainSecretsArgs",
    "SaslPlainSecretsArgsDict",
    "SaslScramSecretsArgs",
    "SaslScramSecretsArgsDict",
    "SchemaRegistryConnection",
    "SchemaRegistryConnectionArgs",
    "StoragePolicyArgs",
    "StoragePolicyArgsDict",
    "StreamingJob",
    "StreamingJobArgs",
    "StreamingJobsStarted",
    "Table",
    "TableArgs",
    "TableColumnArgs",
    "TableColumnArgsDict",
    "TableStoragePolicyArgs",
    "TableStoragePolicyArgsDict",
    "TableTargetArgs",
    "TableTargetArgsDict",
    "UserDict",
    "__version__",
    "bootstrap_servers",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its room on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'polaris_pulumi' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
