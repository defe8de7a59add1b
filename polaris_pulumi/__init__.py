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
from polaris_pulumi._models import (  # noqa: E402
    Connection,
    ConnectionSpec,
    ConnectionTestResult,
    StreamingJob,
    StreamingJobSpec,
    Table,
)

__all__ = [
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
    "StreamingJobSpec",
    "Table",
    "TransportError",
    "WaitTimeoutError",
    "__version__",
]
