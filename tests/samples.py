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
