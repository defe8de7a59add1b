"""Imply Polaris streaming ingestion (connections, streaming jobs) as Pulumi resources."""

__version__ = "0.1.0"

from polaris_pulumi._client import PolarisClient, RetryPolicy  # noqa: E402
from polaris_pulumi._exceptions import (  # noqa: E402
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    JobFailedError,
    NotFoundError,
    PermissionDeniedError,
    PolarisError,
    RateLimitError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from polaris_pulumi._helpers import bootstrap_servers  # noqa: E402
from polaris_pulumi._inputs import (  # noqa: E402
    ConnectionArgs,
    ConnectionSourceArgs,
    FormatSettingsArgs,
    InputFieldArgs,
    MappingArgs,
    SaslPlainSecretsArgs,
    StreamingJobArgs,
    TableTargetArgs,
)
from polaris_pulumi._models import Connection as ConnectionModel  # noqa: E402
from polaris_pulumi._models import (  # noqa: E402
    ConnectionSpec,
    ConnectionTestResult,
    StreamingJobSpec,
    Table,
)
from polaris_pulumi._models import StreamingJob as StreamingJobModel  # noqa: E402
from polaris_pulumi._provider import PolarisProviderError  # noqa: E402
from polaris_pulumi._resources import Connection, StreamingJob, StreamingJobStart  # noqa: E402

__all__ = [
    "ConnectionArgs",
    "ConnectionModel",
    "ConnectionSourceArgs",
    "FormatSettingsArgs",
    "InputFieldArgs",
    "MappingArgs",
    "PolarisProviderError",
    "SaslPlainSecretsArgs",
    "StreamingJobArgs",
    "StreamingJobModel",
    "TableTargetArgs",
    "bootstrap_servers",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Connection",
    "ConnectionSpec",
    "ConnectionTestResult",
    "JobFailedError",
    "NotFoundError",
    "PermissionDeniedError",
    "PolarisClient",
    "PolarisError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "StreamingJob",
    "StreamingJobStart",
    "StreamingJobSpec",
    "Table",
    "TransportError",
    "WaitTimeoutError",
    "__version__",
]
