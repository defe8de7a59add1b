"""The reference's sample requests (../shared/polaris-api.md), as API bodies."""

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


# Confluent Schema Registry (Stream Governance) connection.
REGISTRY_PASSWORD = "sr-secret-Hq3VbN8s"
REGISTRY: dict[str, Any] = {
    "type": "confluent_schema_registry",
    "name": "my_registry",
    "urls": ["https://psrc-xxxxx.us-east-2.aws.confluent.cloud"],
    "secrets": {"type": "basic", "username": "SRKEY", "password": REGISTRY_PASSWORD},
}

# An Avro value schema, and a protobuf FileDescriptorSet (base64) with message shop.Click.
AVRO_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "PageView",
    "fields": [{"name": "ts", "type": "string"}, {"name": "page", "type": "string"}],
}
PROTO_DESCRIPTOR = (
    "Cj8KDGNsaWNrcy5wcm90bxIEc2hvcCIhCgVDbGljaxIKCgJ0cxgBIAEoCRIMCgRwYWdlGAIgASgJYgZwcm90bzM="
)


def avro_job(table: str, registry: str, connection_name: str = "my_connection") -> dict[str, Any]:
    """A streaming job reading Avro values whose schemas are in a Schema Registry."""
    body = job(table=table, connection_name=connection_name)
    body["source"]["formatSettings"] = {
        "format": "avro_stream",
        "parseSchemaProvider": {"type": "connection", "connectionName": registry},
    }
    body["source"]["inputSchema"] = [
        {"name": "ts", "dataType": "string"},
        {"name": "page", "dataType": "string"},
    ]
    body["mappings"] = [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}]
    body.pop("dimensionExclusions")
    return body


# `kafka` connections (Apache Kafka, MSK, Event Hubs): one per secrets type, and mutual TLS.
SCRAM_PASSWORD = "scram-secret-Zr8qLm2w"
KEY_PASSWORD = "key-secret-Vn4xTq7p"
PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake0certificate\n-----END CERTIFICATE-----\n"
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEfake0private0key\n-----END PRIVATE KEY-----\n"
KAFKA_SCRAM: dict[str, Any] = {
    "type": "kafka",
    "name": "my_kafka",
    "bootstrapServers": "b-1.kafka.example.com:9096,b-2.kafka.example.com:9096",
    "topicName": "orders",
    "clientRack": "use1-az1",
    "secrets": {
        "type": "sasl_scram",
        "mechanism": "SCRAM-SHA-512",
        "username": "ingest",
        "password": SCRAM_PASSWORD,
    },
}
KAFKA_IAM: dict[str, Any] = {
    "type": "kafka",
    "name": "my_msk",
    "bootstrapServers": "b-1.msk.abc123.c2.kafka.us-east-1.amazonaws.com:9098",
    "topicName": "clicks",
    "secrets": {"type": "aws_iam", "awsAssumedRoleArn": "arn:aws:iam::123456789012:role/polaris"},
}
KAFKA_MTLS: dict[str, Any] = {
    "type": "kafka",
    "name": "my_mtls",
    "bootstrapServers": "kafka.internal.example.com:9093",
    "topicName": "events",
    "secrets": {"type": "sasl_plain", "username": "ingest", "password": SCRAM_PASSWORD},
    "ssl": {
        "keystore": {
            "type": "pem",
            "certificates": PEM_CERT,
            "key": PEM_KEY,
            "keyPassword": KEY_PASSWORD,
        },
        "truststore": {"type": "pem", "certificates": PEM_CERT},
    },
}

PUSH: dict[str, Any] = {"type": "push_streaming", "name": "my_push"}
KINESIS: dict[str, Any] = {
    "type": "kinesis",
    "name": "my_kinesis",
    "stream": "clicks",
    "awsEndpoint": "kinesis.us-east-1.amazonaws.com",
    "awsAssumedRoleArn": "arn:aws:iam::123456789012:role/polaris-kinesis",
}
# Types the package does not manage (file sources of batch jobs): a project may hold them.
S3_SECRET = "s3-secret-access-key-Zq81"
S3: dict[str, Any] = {
    "type": "s3",
    "name": "my_bucket",
    "bucket": "raw-events",
    "prefix": "2026/",
    "awsEndpoint": "s3.us-east-1.amazonaws.com",
    "secrets": {"type": "access_key", "accessKeyId": "AKIAEXAMPLE", "secretAccessKey": S3_SECRET},
}
AZURE: dict[str, Any] = {
    "type": "azure",
    "name": "my_container",
    "storageAccount": "rawevents",
    "container": "landing",
    "secrets": {"type": "sas_token", "sasToken": "sv=2026-01-01&sig=azure-sas-Xk2"},
}

# A lookup table (partitioned by ALL, its key and value columns strings, as Polaris' docs
# require), and a lookup of it with an alias.
LOOKUP_TABLE: dict[str, Any] = {
    "name": "country-codes",
    "type": "detail",
    "partitioningGranularity": "all",
    "schemaMode": "strict",
    "schema": [
        {"name": "__time", "dataType": "timestamp"},
        {"name": "code", "dataType": "string"},
        {"name": "name", "dataType": "string"},
    ],
}
LOOKUP: dict[str, Any] = {
    "name": "country-lookup",
    "source": {"type": "table", "tableName": "country-codes"},
    "aliases": [{"name": "countries", "key": "code", "value": "name"}],
}


def stream_job(
    connection: str,
    table: str,
    fields: dict[str, str],
    mappings: dict[str, str],
    measures: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A streaming job reading JSON `fields` (name: data type) from `connection`, from the
    earliest record, with `__time` from "ts" and the rest `mappings` (column: expression) and
    `measures` (aggregations), into `table` it creates; ten years of late records taken."""
    columns = [{"columnName": "__time", "expression": 'TIME_PARSE("ts")'}]
    columns += [{"columnName": c, "expression": e} for c, e in mappings.items()]
    columns += [
        {"columnName": c, "expression": e, "isAggregation": True}
        for c, e in (measures or {}).items()
    ]
    return {
        "type": "streaming",
        "source": {
            "type": "connection",
            "connectionName": connection,
            "formatSettings": {"format": "nd-json"},
            "inputSchema": [
                {"name": n, "dataType": t} for n, t in {"ts": "string", **fields}.items()
            ],
        },
        "mappings": columns,
        "target": {"type": "table", "tableName": table},
        "createTableIfNotExists": True,
        "readFromPoint": "earliest",
        "lateMessageRejectionPeriod": "P3650D",
    }
