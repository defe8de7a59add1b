"""`PolarisClient`: every API call the package makes, typed, retried with backoff, and never
a duplicate after a lost create. Each room keeps its own calls (`connections/_api.py`,
`jobs/_api.py`, `tables/_api.py`); the HTTP layer is `_transport.py`."""

from __future__ import annotations

from polaris_pulumi._sql_api import QueryAPI
from polaris_pulumi._transport import RetryPolicy
from polaris_pulumi.connections._api import ConnectionsAPI
from polaris_pulumi.jobs._api import JobsAPI
from polaris_pulumi.tables._api import TablesAPI

__all__ = ["PolarisClient", "RetryPolicy"]


class PolarisClient(ConnectionsAPI, JobsAPI, TablesAPI, QueryAPI):
    """Polaris Connections, Jobs, Tables and the SQL query API under
    `/v1/projects/{project_id}`.

    Every argument falls back to the environment: POLARIS_API_KEY, POLARIS_BEARER_TOKEN,
    POLARIS_URL, or POLARIS_ORGANIZATION + POLARIS_REGION + POLARIS_CLOUD_PROVIDER, and
    POLARIS_PROJECT_ID. Safe to share between threads.
    """
