"""The reference's sample requests (polaris-api.md), as API bodies."""

from __future__ import annotations

import copy
from typing import Any

PASSWORD = "conf-secret-Zq8PL2xv9"

CONNECTION: dict[str, Any] = {
    "type": "confluent",
    "name": "my_connection",
    "bootstrapServers": "pkc-xxxxx.us-east-1.aws.confluent.cloud:9092",
    "topicName": "my_topic",
    "secrets": {"type": "sasl_plain", "username": "CONFLUENTKEY", "password": PASSWORD},
}

JOB: dict[str, Any] = {
    "type": "streaming",
    "source": {
        "type": "connection",
        "connectionName": "my_connection",
        "formatSettings": {"format": "nd-json"},
        "inputSchema": [
            {"dataType": "string", "name": "date"},
            {"dataType": "string", "name": "time"},
        ],
    },
    "mappings": [
        {"columnName": "__time", "expression": 'TIME_PARSE(CONCAT("date", \'T\', "time"))'}
    ],
    "target": {"type": "table", "tableName": "sample-confluent-ingestion"},
    "createTableIfNotExists": True,
    "useSchemaDiscovery": True,
    "dimensionExclusions": ["date", "time"],
}


def connection(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(CONNECTION)
    body.update(changes)
    return body


def job(
    table: str = "sample-confluent-ingestion", connection_name: str = "my_connection"
) -> dict[str, Any]:
    body = copy.deepcopy(JOB)
    body["target"]["tableName"] = table
    body["source"]["connectionName"] = connection_name
    return body


# An hourly rollup table, every writable field of AggregateTablePayload set.
AGGREGATE_TABLE: dict[str, Any] = {
    "type": "aggregate",
    "name": "page-views-hourly",
    "description": "Page views per page and hour",
    "schemaMode": "strict",
    "partitioningGranularity": "day",
    "clusteringColumns": ["page"],
    "timeResolution": "hour",
    "queryGranularity": {"type": "period", "period": "PT1H", "timeZone": "Europe/Paris"},
    "storagePolicy": {
        "retain": {"type": "period", "period": "P365D"},
        "cached": {"type": "intervals", "intervals": ["2026-01-01/2027-01-01"]},
    },
    "schema": [
        {"type": "dimension", "name": "__time", "dataType": "timestamp"},
        {"type": "dimension", "name": "page", "dataType": "string"},
        {"type": "measure", "name": "views", "dataType": "long"},
        {"type": "measure", "name": "total_bytes", "dataType": "long"},
    ],
}

DETAIL_TABLE: dict[str, Any] = {
    "type": "detail",
    "name": "clicks",
    "schema": [
        {"name": "__time", "dataType": "timestamp"},
        {"name": "url", "dataType": "string"},
    ],
}
