"""Your own Apache Kafka into Polaris: a `kafka` connection with SASL/SCRAM-SHA-512, over TLS
whose brokers present certificates of a private CA (the truststore), feeding one table.

Config: `bootstrapServers` (host:port list), `kafkaUser`, `kafkaPassword` (secret), and
optionally `caCertificates` (PEM; without it, a public CA is assumed) and `clientRack` (the
consumer's rack, for rack-aware brokers). For Amazon MSK with IAM, or mutual TLS, see
docs/resources.md ("KafkaConnection").
"""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()
ca = config.get("caCertificates")

orders = polaris.KafkaConnection(
    "orders",
    bootstrap_servers=config.require("bootstrapServers"),
    topic_name="orders",
    client_rack=config.get("clientRack"),
    secrets=polaris.SaslScramSecretsArgs(
        mechanism="SCRAM-SHA-512",
        username=config.require("kafkaUser"),
        password=config.require_secret("kafkaPassword"),
    ),
    ssl=polaris.KafkaSslArgs(truststore=polaris.PemTruststoreArgs(certificates=ca)) if ca else None,
)

job = polaris.StreamingJob(
    "orders",
    source=polaris.ConnectionSourceArgs(
        connection_name=orders.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="ts", data_type="string"),
            polaris.InputFieldArgs(name="country", data_type="string"),
            polaris.InputFieldArgs(name="amount", data_type="double"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ts")'),
        polaris.MappingArgs(column_name="country", expression='"country"'),
        polaris.MappingArgs(column_name="amount", expression='"amount"'),
    ],
    target=polaris.TableTargetArgs(table_name="orders"),
    create_table_if_not_exists=True,
)

pulumi.export("connection", orders.name)
pulumi.export("job_id", job.id)
