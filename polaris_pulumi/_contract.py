"""Polaris' contract, shared by the client, the providers and the emulator: its enums, and
the base model where snake_case meets the API's camelCase.

The contract is Polaris' published OpenAPI spec, as Imply's official SDK
(`polaris-sdk==20250425.14.0`, `polaris/sdk/project_api/models`) renders it: field names,
required fields and enums follow it; `tests/test_conformance.py` holds them to it. Server
responses keep unknown fields (`extra="allow"`), so a newer Polaris does not break older code;
user input and requests to the emulator are validated with `STRICT` context, where an unknown
key is an error.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

# --- Contract enums (project_api/models/_enums.py) ----------------------------------------

# DataFormat.
DATA_FORMATS = (
    "avro_ocf",
    "avro_stream",
    "csv",
    "kafka",
    "kinesis",
    "nd-json",
    "orc",
    "parquet",
    "protobuf",
)
# FieldNameAndDataTypeDataType.
DATA_TYPES = (
    "bigint",
    "complex<json>",
    "double",
    "float",
    "geo",
    "HLLSketch",
    "ipAddress",
    "ipPrefix",
    "json",
    "long",
    "longStringPair",
    "doubleArray",
    "floatArray",
    "longArray",
    "stringArray",
    "quantilesDoublesSketch",
    "string",
    "thetaSketch",
    "ingest_timeseries",
    "timestamp",
    "varchar",
    "variance",
)
# TableColumnDataType is the same list; AggregateTableMeasureColumnDataType, a part of it.
TABLE_COLUMN_DATA_TYPES = DATA_TYPES
MEASURE_DATA_TYPES = (
    "bigint",
    "double",
    "float",
    "HLLSketch",
    "long",
    "longStringPair",
    "quantilesDoublesSketch",
    "string",
    "thetaSketch",
    "ingest_timeseries",
    "varchar",
    "variance",
)
# TablePartitioningGranularity (`week` is deprecated: no new table may use it).
PARTITIONING_GRANULARITIES = (
    "second",
    "minute",
    "five_minute",
    "ten_minute",
    "fifteen_minute",
    "thirty_minute",
    "hour",
    "six_hour",
    "eight_hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "all",
)
# TimeResolution: an aggregate table's rollup granularity.
TIME_RESOLUTIONS = (
    "millisecond",
    "second",
    "minute",
    "fifteen_minute",
    "thirty_minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "all",
)
# JobExecutionStatusV2, DesiredJobExecutionStatusV2, JobHealthStatusV2 (StreamingReadFromPoint
# is the Literal of StreamingJobSpec.read_from_point).
EXECUTION_STATUSES = (
    "pending",
    "running",
    "completed",
    "idle",
    "canceled",
    "failed",
    "suspended",
    "unknown",
)
DESIRED_STATUSES = ("running", "canceled", "suspended")
HEALTH_STATUSES = ("ok", "warn", "error")
# A job in one of these states is over: it never runs again (a new job must be created).
TERMINAL_STATUSES = frozenset({"completed", "canceled", "failed"})
# A streaming job that is `idle` has started and has nothing to read yet.
STARTED_STATUSES = frozenset({"running", "idle"})
MAX_INT = 2147483647
DEFAULT_PAGE_SIZE = 100  # paginationLimit: default 100, at most 1000
MAX_PAGE_SIZE = 1000


def _positive(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise ValueError("must be a positive number of seconds")
    return value


# A resource's `wait_timeout`: seconds, more than 0.
Seconds = Annotated[float | None, AfterValidator(_positive)]

# Validation context that makes unknown keys errors (user input; the emulator's requests).
STRICT: dict[str, Any] = {"strict_keys": True}


class PolarisModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        use_attribute_docstrings=True,
        defer_build=True,
    )

    @model_validator(mode="wrap")
    @classmethod
    def _known_keys(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Under STRICT context, a key that is neither a field nor its alias is an error."""
        if not (isinstance(data, dict) and info.context and info.context.get("strict_keys")):
            return handler(data)
        fields = cls.model_fields
        known = set(fields) | {f.alias for f in fields.values() if f.alias}
        unknown = [k for k in data if k not in known]
        if not unknown:
            return handler(data)
        errors = [
            InitErrorDetails(
                type=PydanticCustomError("extra_forbidden", "{hint}", {"hint": _key_hint(k, cls)}),
                loc=(k,),
                input=data[k],
            )
            for k in unknown
        ]
        try:
            handler({k: v for k, v in data.items() if k in known})
        except ValidationError as exc:
            errors += exc.errors()  # type: ignore[arg-type]
        raise ValidationError.from_exception_data(cls.__name__, errors)

    def to_api(self, *, reveal_secrets: bool = False) -> dict[str, Any]:
        """JSON body for the API: camelCase, no unset optional fields, secrets only on request."""
        return self.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            context={"reveal_secrets": reveal_secrets},
        )


class User(PolarisModel):
    """Who created or last changed an object (`created_by`, `modified_by_user`, ...)."""

    output_dict: ClassVar[str] = "UserDict"

    username: str | None = None
    user_id: str | None = None


class ListResponse(PolarisModel):
    values: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(PolarisModel):
    """ErrorResponse: {code, message, target, details: [ErrorResponse], innererror}; the
    query API's SqlErrorResponse says its code and message as errorCode and errorMessage."""

    code: str | None = None
    message: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    target: str | None = None
    details: list[ErrorBody] | None = None
    innererror: dict[str, Any] | None = None


def _key_hint(key: str, model: type[BaseModel]) -> str:
    """The known key closest to a misspelt one, or the known keys when none is close."""
    fields = model.model_fields
    names = sorted(set(fields) | {f.alias for f in fields.values() if f.alias})
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {model.__name__} takes {', '.join(sorted(n.rstrip('_') for n in fields))}"
