"""Jobs v1: streaming jobs (create, read, list, status, reset, metrics) and `drop_table` jobs.
A streaming job moves by `state._lifecycle`, applied whenever it is looked at."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request, Response

from polaris_pulumi._contract import (
    DESIRED_STATUSES,
    User,
)
from polaris_pulumi._meta import with_defaults
from polaris_pulumi._problems import Problem
from polaris_pulumi.connections._any import AnyConnection, StreamConnection
from polaris_pulumi.connections._model import SchemaRegistryConnection
from polaris_pulumi.connections._streams import PushStreamingConnection
from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._checks import (
    job_checks,
    job_table_failures,
    source_format_problems,
)
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._errors import PolarisAPIError, invalid, parse
from polaris_pulumi.emulator.api._format_checks import registries
from polaris_pulumi.emulator.api._http import BASE, Body, Who
from polaris_pulumi.emulator.api._job_query import SORT_KEYS, JobQuery
from polaris_pulumi.emulator.api._tables import Tables
from polaris_pulumi.emulator.ingest._druid_sql import aggregates
from polaris_pulumi.emulator.kafka import _simulated
from polaris_pulumi.emulator.kafka._reach import reach_problems
from polaris_pulumi.emulator.state._lifecycle import advance, iso_micro, iso_nano
from polaris_pulumi.emulator.state._records import Failure, JobRecord
from polaris_pulumi.jobs._model import JobTotals, StreamingJobSpec, TableTarget
from polaris_pulumi.tables._model import TableSpec


class Jobs:
    def __init__(self, core: Core, tables: Tables) -> None:
        self.core, self.tables = core, tables

    def _user(self, who: Principal) -> User:
        return User.model_validate(who.user())

    def all(self) -> list[JobRecord]:
        """All jobs, advanced to now (and kept if they moved), in creation order."""
        now = self.core.now()
        with self.core.store.tx():
            jobs = []
            for job in self.core.store.list_jobs():
                moved = advance(job, now)
                if moved is not None:
                    self.core.store.put_job(moved)
                jobs.append(moved or job)
        return jobs

    def get(self, job_id: str, who: Principal) -> JobRecord:
        self.core.auth.require(who, "ManageIngestionJobs")
        with self.core.store.tx():
            job = self.core.store.get_job(job_id)
            if job is None:
                raise PolarisAPIError(404, f"Job '{job_id}' not found")
            moved = advance(job, self.core.now())
            if moved is not None:
                self.core.store.put_job(moved)
        return moved or job

    def totals(self, job: JobRecord) -> JobTotals:
        """A job's totals: when a reader ingests for it (a broker, or pushed events), as
        committed with its rows (exactly what its table took), else the record's."""
        if not self._reads_rows(job):
            return job.totals
        from polaris_pulumi.emulator.ingest import _checkpoint  # DuckDB, only with a broker

        with self.core.rows.cursor() as cur:
            return _checkpoint.totals(cur, job.id) or JobTotals()

    def logs(self, job: JobRecord) -> list[dict[str, Any]]:
        """The job's log entries (JobLogEntry), newest first: its health's own, then what
        its reader logged with each batch (`ingest/_logs`)."""
        found = [job.health.log] if job.health.log else []
        if job.type != "streaming" or not self._reads_rows(job):
            return found
        from polaris_pulumi.emulator.ingest import _logs

        with self.core.rows.cursor() as cur:
            logged = _logs.read(cur, job.id)
        return found + [
            {"timestamp": iso_micro(at), "healthStatus": e.health_status, "code": e.code,
             "message": e.message}
            for at, e in logged
        ]  # fmt: skip

    def _reads_rows(self, job: JobRecord) -> bool:
        conn = self.core.store.get_connection(job.connection_name or "")
        return bool(self.core.config.kafka_broker) or (
            conn is not None and conn.kind == "push_streaming"
        )

    def users(self, connection: str) -> list[JobRecord]:
        """Jobs not over that read a connection: as their source, or for their schemas."""
        return [
            j
            for j in self.all()
            if j.spec is not None
            and not j.terminal
            and (
                j.connection_name == connection
                or connection in (n for _, n in registries(j.spec.source.format_settings))
            )
        ]

    def _on_table(self, table: str) -> list[JobRecord]:
        return [j for j in self.all() if j.active_streaming and j.table_name == table]

    def _spec(self, body: Any) -> tuple[StreamingJobSpec, list[Failure]]:
        """The request's spec, and why its connections would keep it from running."""
        spec: StreamingJobSpec = parse(StreamingJobSpec, body, "streaming job")
        if problems := job_checks(spec):
            raise invalid("streaming job", problems)
        source = self.core.store.get_connection(spec.source.connection_name)
        if source is None or not isinstance(source.connection, StreamConnection):
            what = "does not exist" if source is None else f"is a {source.kind} connection"
            raise PolarisAPIError(
                400,
                f"Connection '{spec.source.connection_name}' {what}: a streaming job reads a "
                "confluent, kafka, kinesis or push_streaming connection",
                target="source.connectionName",
            )
        if problems := source_format_problems(source.kind, spec.source.format_settings):
            raise invalid("streaming job", problems)
        reads: list[AnyConnection] = [source.connection]
        for path, name in registries(spec.source.format_settings):
            registry = self.core.store.get_connection(name)
            if registry is None or not isinstance(registry.connection, SchemaRegistryConnection):
                what = "does not exist" if registry is None else "is not a Schema Registry"
                at = Problem(("source", "format_settings", *path), "").api_field
                raise PolarisAPIError(400, f"Schema Registry connection '{name}' {what}", target=at)
            reads.append(registry.connection)
        failures = [
            Failure(code="could_not_connect_to_source", message=p.message)
            for conn in reads
            for p in self.reach_problems(conn)
        ]
        return spec, failures

    def reach_problems(self, conn: AnyConnection) -> list[Problem]:
        """What a test of the connection finds (`kafka._reach` decides how)."""
        password = self.core.store.get_password(conn.name) or ""
        return reach_problems(conn, self.core.config.kafka_broker, password)

    def create(self, body: Any, who: Principal) -> JobRecord:
        self.core.auth.require(who, "ManageIngestionJobs")
        kind = body.get("type") if isinstance(body, dict) else None
        if kind == "drop_table":
            return self._drop_table(body, who)
        if kind != "streaming":
            raise PolarisAPIError(
                400,
                f"Unsupported job type {kind!r}: the emulator models 'streaming' and 'drop_table'",
                target="type",
            )
        now = self.core.now()
        with self.core.store.tx():
            spec, failures = self._spec(body)
            self._take_place(spec, now)
            failures += self._table_failures(spec, who, now)
            new = self._new(spec, failures, who, now)
            job = advance(new, now) or new
            self.core.store.put_job(job)
        return job

    def _take_place(self, spec: StreamingJobSpec, now: float) -> None:
        """One streaming job per table; with replaceRunning the new one takes the running
        one's place (the read position is the table's)."""
        table = spec.target.table_name
        for other in self._on_table(table):
            if not spec.replace_running:
                raise PolarisAPIError(
                    400,
                    f"Table '{table}' already has streaming job {other.id} "
                    f"({other.execution_status}); one streaming job per table "
                    "(set replaceRunning to replace it)",
                    target="target.tableName",
                )
            other = self._desire(other, "canceled", now)
            self.core.store.put_job(advance(other, now) or other)

    def _new(
        self, spec: StreamingJobSpec, failures: list[Failure], who: Principal, now: float
    ) -> JobRecord:
        conn = self.core.store.get_connection(spec.source.connection_name)
        source = conn.connection if conn is not None else None
        filled = with_defaults(spec)
        live = self.core.config.kafka_broker is not None
        return JobRecord(
            id=str(uuid.uuid4()),
            type="streaming",
            desired_execution_status="running",
            execution_status="pending",
            created_by=self._user(who),
            last_modified_by=self._user(who),
            created_timestamp=iso_nano(now),
            last_updated_timestamp=iso_nano(now),
            spec=filled,
            target=filled.target,
            change_at=now + self.core.config.job_start_delay,
            failures=failures,
            # A reader decides (idle until records come): with a broker, or pushed events;
            # else the simulated rules.
            idle=live or _pushed(source) or _simulated.idle(source),
            warning=None if live or _pushed(source) else _simulated.warning(source),
        )

    def _table_failures(self, spec: StreamingJobSpec, who: Principal, now: float) -> list[Failure]:
        """Create the target table if asked; why the job cannot write to it."""
        name = spec.target.table_name
        record = self.core.store.get_table(name)
        if record is None:
            if not spec.create_table_if_not_exists:
                raise PolarisAPIError(
                    400,
                    f"Table '{name}' does not exist: create it, or set createTableIfNotExists",
                    target="target.tableName",
                )
            aggregate = any(m.is_aggregation or aggregates(m.expression) for m in spec.mappings)
            auto = TableSpec(name=name, type="aggregate" if aggregate else "detail")
            record = self.tables.new_record(auto, who, now)
            self.core.store.put_table(record)
        return [
            Failure(code=code, message=message)
            for code, message in job_table_failures(spec, record.table.spec())
        ]

    def _desire(self, job: JobRecord, desired: str, now: float) -> JobRecord:
        config = self.core.config
        delay = config.job_start_delay if desired == "running" else config.job_cancel_delay
        return job.model_copy(
            update={"desired_execution_status": desired, "change_at": now + delay}
        )

    def set_status(self, job_id: str, body: Any, who: Principal) -> JobRecord:
        """PUT /jobs/{id} and POST /jobs/{id}/status: only desiredExecutionStatus."""
        desired = _desired(body)
        with self.core.store.tx():
            job = self.get(job_id, who)
            if job.type != "streaming":
                raise PolarisAPIError(400, f"Job '{job_id}' is not a streaming job")
            if job.terminal and desired != "canceled":
                raise PolarisAPIError(
                    400, f"Job '{job_id}' is {job.execution_status}; create a new job to restart"
                )
            if desired != job.desired_execution_status and not job.terminal:
                now = self.core.now()
                job = self._desire(job, desired, now).model_copy(
                    update={
                        "last_modified_by": self._user(who),
                        "last_updated_timestamp": iso_nano(now),
                    }
                )
                job = advance(job, now) or job
                self.core.store.put_job(job)
        return job

    def reset(self, job_id: str, who: Principal) -> None:
        with self.core.store.tx():
            job = self.get(job_id, who)
            if not job.active_streaming:
                raise PolarisAPIError(400, f"Job '{job_id}' is not an active streaming job")
            self.core.store.put_job(job.model_copy(update={"reset_at": iso_nano(self.core.now())}))

    def list(self, query: JobQuery, who: Principal) -> dict[str, Any]:
        self.core.auth.require(who, "ManageIngestionJobs")
        table_id_name = None
        if query.target_table_id is not None:
            table_id_name = next(
                (
                    r.table.name
                    for r in self.core.store.list_tables()
                    if r.table.id == query.target_table_id
                ),
                "",
            )
        jobs = [j for j in self.all() if query.keeps(j, table_id_name)]  # creation order ties
        jobs.sort(key=SORT_KEYS[query.sort_column], reverse=query.sort_order == "DESC")
        page = jobs[query.offset : query.offset + query.limit]
        return {
            "values": [j.summary() for j in page],
            "moreResultsAvailable": query.offset + len(page) < len(jobs),
        }

    def _drop_table(self, body: dict[str, Any], who: Principal) -> JobRecord:
        self.core.auth.require(who, "ManageTables")
        if set(body) - {"type", "target", "softDelete"}:
            raise PolarisAPIError(400, "A drop_table job takes type, target and softDelete")
        target = body.get("target")
        name = target.get("tableName") if isinstance(target, dict) else None
        if not isinstance(name, str) or set(target or {}) - {"type", "tableName", "intervals"}:
            raise PolarisAPIError(
                400,
                'A drop_table job\'s target is {"tableName": "<the table to drop>"}',
                target="target.tableName",
            )
        now = self.core.now()
        with self.core.store.tx():
            if self.core.store.get_table(name) is None:
                raise PolarisAPIError(
                    400, f"Table '{name}' does not exist", target="target.tableName"
                )
            for job in self._on_table(name):
                raise PolarisAPIError(
                    400,
                    f"Table '{name}' has streaming job {job.id}; cancel it first",
                    target="target.tableName",
                )
            self.core.store.delete_table(name)
            self.core.rows.drop(name)
            stamp = iso_nano(now)
            job = JobRecord(
                id=str(uuid.uuid4()),
                type="drop_table",
                desired_execution_status="running",
                execution_status="completed",
                created_by=self._user(who),
                last_modified_by=self._user(who),
                created_timestamp=stamp,
                last_updated_timestamp=stamp,
                started_timestamp=stamp,
                completed_timestamp=stamp,
                target=TableTarget(table_name=name, intervals=[]),
                soft_delete=bool(body.get("softDelete", False)),
            )
            self.core.store.put_job(job)
        return job


def _desired(body: Any) -> str:
    if not isinstance(body, dict) or set(body) != {"desiredExecutionStatus"}:
        raise PolarisAPIError(
            400,
            "A job update takes only desiredExecutionStatus; to change a streaming job's "
            "spec, create a new job with replaceRunning",
            target="desiredExecutionStatus",
        )
    desired = body["desiredExecutionStatus"]
    if desired not in DESIRED_STATUSES:
        raise PolarisAPIError(
            400,
            f"desiredExecutionStatus {desired!r} is not one of {', '.join(DESIRED_STATUSES)}",
            target="desiredExecutionStatus",
        )
    return str(desired)


def _pushed(conn: AnyConnection | None) -> bool:
    return isinstance(conn, PushStreamingConnection)


def routes(app: FastAPI, api: Jobs) -> None:
    @app.post(f"{BASE}/jobs", tags=["jobs"], status_code=201)
    def create_job(body: Body, who: Who) -> dict[str, Any]:
        return api.create(body, who).render()

    @app.get(f"{BASE}/jobs", tags=["jobs"])
    def list_jobs(who: Who, request: Request) -> dict[str, Any]:
        return api.list(JobQuery.from_request(request), who)

    @app.get(f"{BASE}/jobs/{{job_id}}", tags=["jobs"])
    def get_job(job_id: str, who: Who) -> dict[str, Any]:
        return api.get(job_id, who).render()

    @app.put(f"{BASE}/jobs/{{job_id}}", tags=["jobs"])
    def update_job(job_id: str, body: Body, who: Who) -> dict[str, Any]:
        return api.set_status(job_id, body, who).render()

    @app.get(f"{BASE}/jobs/{{job_id}}/status", tags=["jobs"])
    def get_job_status(job_id: str, who: Who) -> dict[str, Any]:
        return {"executionStatus": api.get(job_id, who).execution_status}

    @app.post(f"{BASE}/jobs/{{job_id}}/status", tags=["jobs"])
    def update_job_status(job_id: str, body: Body, who: Who) -> dict[str, Any]:
        return {"executionStatus": api.set_status(job_id, body, who).execution_status}

    @app.post(f"{BASE}/jobs/{{job_id}}/reset", tags=["jobs"])
    def reset_job(job_id: str, who: Who) -> Response:
        api.reset(job_id, who)
        return Response(status_code=200)

    @app.get(f"{BASE}/jobs/{{job_id}}/logs", tags=["jobs"])
    def job_logs(job_id: str, who: Who) -> dict[str, Any]:
        """JobLogsResponse: what the job rejected or warned about, and why."""
        return {"logs": api.logs(api.get(job_id, who))}

    @app.get(f"{BASE}/jobs/{{job_id}}/metrics", tags=["jobs"])
    def job_metrics(job_id: str, who: Who) -> dict[str, Any]:
        """The consumer's counts with a broker; zeros with the simulated Kafka."""
        return {"totals": api.totals(api.get(job_id, who)).to_api()}
