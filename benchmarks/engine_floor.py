"""The engine's own floor: the resource graph of N connections + N jobs and the one wait
after them all, made by a dynamic provider that makes no API call.

Imported by reference from the benchmark's program (PYTHONPATH = the repo), as ours is.
"""

from __future__ import annotations

import uuid
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

PROGRAM = """
import pulumi
from benchmarks.engine_floor import Noop

jobs = []
for i in range(pulumi.Config().get_int("count") or 0):
    conn = Noop(f"conn-{i}", {"name": f"conn_{i}"})
    jobs.append(Noop(f"job-{i}", {"connection_name": conn.id}))
waits = {f"job-{i}": {"job_id": job.id} for i, job in enumerate(jobs)}
Noop("streaming-jobs-started", {"jobs": waits}, pulumi.ResourceOptions(depends_on=jobs))
"""


class NoopProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(uuid.uuid4().hex, props)


class Noop(Resource):
    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(NoopProvider(), name, props, opts)
