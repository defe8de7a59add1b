"""Bad input a program may give, with the property and words its error must name.

Each case overrides the valid connection and job of `BAD_INPUT_PROGRAM` (tests/stacks.py):
`conn` keys replace the connection's arguments, `job` keys the job's (nested objects merged).
"""

from __future__ import annotations

import copy
from typing import Any

BAD_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("empty connection name", {"conn": {"name": ""}}, "name", "1-64 ASCII"),
    ("connection name too long", {"conn": {"name": "x" * 65}}, "name", "1-64 ASCII"),
    ("connection name with space", {"conn": {"name": "bad name"}}, "name", "1-64 ASCII"),
    ("connection name wrong type", {"conn": {"name": 123}}, "name", "valid string"),
    (
        "bootstrap with scheme",
        {"conn": {"bootstrap_servers": "SASL_SSL://h.example.com:9092"}},
        "bootstrap_servers",
        "SASL_SSL",
    ),
    (
        "bootstrap without port",
        {"conn": {"bootstrap_servers": "broker.example.com"}},
        "bootstrap_servers",
        "host:port",
    ),
    (
        "bootstrap port out of range",
        {"conn": {"bootstrap_servers": "h.example.com:99999"}},
        "bootstrap_servers",
        "host:port",
    ),
    (
        "bootstrap empty",
        {"conn": {"bootstrap_servers": ""}},
        "bootstrap_servers",
        "must not be empty",
    ),
    (
        "topic regex does not compile",
        {"conn": {"topic_name": "events[(", "topic_name_is_pattern": True}},
        "topic_name",
        "regular expression",
    ),
    ("topic empty", {"conn": {"topic_name": ""}}, "topic_name", "must not be empty"),
    (
        "username empty",
        {"conn": {"secrets": {"username": "", "password": "p"}}},
        "secrets.username",
        "must not be empty",
    ),
    (
        "password empty",
        {"conn": {"secrets": {"username": "K", "password": ""}}},
        "secrets.password",
        "is required",
    ),
    (
        "unknown secrets type",
        {"conn": {"secrets": {"type": "scram", "username": "K", "password": "p"}}},
        "secrets.type",
        "sasl_plain",
    ),
    (
        "test_connection wrong type",
        {"conn": {"test_connection": "yes"}},
        "test_connection",
        "valid boolean",
    ),
    ("description wrong type", {"conn": {"description": 5}}, "description", "valid string"),
    (
        "unknown format",
        {"job": {"source": {"format_settings": {"format": "jsonl"}}}},
        "source.format_settings.format",
        "nd-json",
    ),
    (
        "misspelt nested key",
        {"job": {"source": {"format_settings": {"format": "nd-json", "flaten_spec": {}}}}},
        "source.format_settings.flaten_spec",
        "not a known property",
    ),
    (
        "typo in a mapping key",
        {
            "job": {
                "mappings": [
                    {
                        "column_name": "__time",
                        "expression": 'TIME_PARSE("ts")',
                        "is_aggregaton": False,
                    }
                ]
            }
        },
        "mappings[0].is_aggregaton",
        "did you mean 'is_aggregation'",
    ),
    (
        "typo in input_schema",
        {"job": {"source": {"input_shema": [{"name": "ts", "data_type": "string"}]}}},
        "source.input_shema",
        "did you mean 'input_schema'",
    ),
    (
        "a key in the wrong object",
        {"job": {"target": {"filter_expression": "1=1"}}},
        "target.filter_expression",
        "TableTarget takes intervals, table_name, type",
    ),
    (
        "kafka format without its value format",
        {"job": {"source": {"format_settings": {"format": "kafka"}}}},
        "source.format_settings.value_format",
        "required for format 'kafka'",
    ),
    (
        "unknown data type",
        {"job": {"source": {"input_schema": [{"name": "ts", "data_type": "integer"}]}}},
        "source.input_schema[0].data_type",
        "not a data type of Polaris",
    ),
    (
        "duplicate input field",
        {"job": {"source": {"input_schema": [{"name": "ts", "data_type": "string"}] * 2}}},
        "source.input_schema[1].name",
        "declared twice",
    ),
    (
        "no __time mapping",
        {"job": {"mappings": [{"column_name": "page", "expression": '"page"'}]}},
        "mappings",
        "__time",
    ),
    (
        "undeclared field",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("when")'}]}},
        "mappings[0].expression",
        "not declared",
    ),
    (
        "unbalanced parentheses",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts"'}]}},
        "mappings[0].expression",
        "unbalanced",
    ),
    (
        "column mapped twice",
        {"job": {"mappings": [{"column_name": "__time", "expression": 'TIME_PARSE("ts")'}] * 2}},
        "mappings[1].column_name",
        "mapped twice",
    ),
    (
        "empty table name",
        {"job": {"target": {"table_name": ""}}},
        "target.table_name",
        "must not be empty",
    ),
    (
        "table name starting with dot",
        {"job": {"target": {"table_name": ".hidden"}}},
        "target.table_name",
        "start with '.'",
    ),
    (
        "table name with slash",
        {"job": {"target": {"table_name": "a/b"}}},
        "target.table_name",
        "'/'",
    ),
    (
        "table name too long",
        {"job": {"target": {"table_name": "t" * 256}}},
        "target.table_name",
        "at most 255",
    ),
    (
        "late period not ISO-8601",
        {"job": {"late_message_rejection_period": "30 days"}},
        "late_message_rejection_period",
        "ISO-8601",
    ),
    (
        "early period not ISO-8601",
        {"job": {"early_message_rejection_period": "P2000"}},
        "early_message_rejection_period",
        "ISO-8601",
    ),
    ("unknown read point", {"job": {"read_from_point": "oldest"}}, "read_from_point", "'latest'"),
    (
        "negative max parse exceptions",
        {"job": {"max_parse_exceptions": -1}},
        "max_parse_exceptions",
        "between 0 and",
    ),
    (
        "max parse exceptions wrong type",
        {"job": {"max_parse_exceptions": "many"}},
        "max_parse_exceptions",
        "valid integer",
    ),
    ("non-positive wait timeout", {"job": {"wait_timeout": 0}}, "wait_timeout", "positive"),
    (
        "dimension excluded twice",
        {"job": {"dimension_exclusions": ["page", "page"]}},
        "dimension_exclusions[1]",
        "listed twice",
    ),
    (
        "bad filter expression",
        {"job": {"filter_expression": "(page = 'x'"}},
        "filter_expression",
        "unbalanced",
    ),
    (
        "flag wrong type",
        {"job": {"create_table_if_not_exists": "sure"}},
        "create_table_if_not_exists",
        "valid boolean",
    ),
    (
        "flag given as a word",
        {"job": {"create_table_if_not_exists": "yes"}},
        "create_table_if_not_exists",
        "valid boolean",
    ),
    (
        "number given as a string",
        {"job": {"max_parse_exceptions": "100"}},
        "max_parse_exceptions",
        "valid integer",
    ),
    (
        "second streaming job on one table",
        {"second_job_same_table": True},
        "target.table_name",
        "one streaming job per table",
    ),
]

# A few cases of each kind also go through the real CLI (zero requests, nothing printed).
CLI_CASES = (
    "connection name with space",
    "password empty",
    "typo in a mapping key",
    "unknown data type",
    "number given as a string",
    "non-positive wait timeout",
    "second streaming job on one table",
)
# Cases only a whole program can show (the unit matrix checks one resource at a time).
PROGRAM_ONLY = ("second streaming job on one table",)


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """The program's merge: a nested object given in a case is merged into the base one."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out
