"""The Polaris REST client under the resources: for scripts, tests and tools.

`PolarisClient` (httpx, retries with backoff, no duplicate after a lost create), the request
and response models (pydantic, named after Polaris' official SDK) and the typed errors. A
Pulumi program needs none of it: the resources are in `polaris_pulumi`.
"""

from polaris_pulumi._client import PolarisClient, RetryPolicy
from polaris_pulumi._exceptions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DeclarationError,
    JobFailedError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    PolarisError,
    PolarisProviderError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from polaris_pulumi.connections._model import (
    Connection,
    ConnectionSpec,
    ConnectionTestResult,
    KafkaConnection,
    KafkaConnectionSpec,
    SchemaRegistryConnection,
    SchemaRegistryConnectionSpec,
)
from polaris_pulumi.jobs._model import (
    JobLogEntry,
    JobMetrics,
    StreamingJob,
    StreamingJobSpec,
)
from polaris_pulumi.tables._model import Table, TableSpec

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Connection",
    "ConnectionSpec",
    "ConnectionTestResult",
    "DeclarationError",
    "JobFailedError",
    "MalformedResponseError",
    "JobLogEntry",
    "JobMetrics",
    "KafkaConnection",
    "KafkaConnectionSpec",
    "NotFoundError",
    "PermissionDeniedError",
    "PolarisClient",
    "PolarisError",
    "PolarisProviderError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SchemaRegistryConnection",
    "SchemaRegistryConnectionSpec",
    "ServerError",
    "StreamingJob",
    "StreamingJobSpec",
    "Table",
    "TableSpec",
    "TransportError",
    "WaitTimeoutError",
]
