"""A Confluent Cloud cluster and topic, a read-only service account and API key for Polaris,
and the Polaris connection and streaming job that ingest the topic into a table."""

import pulumi
import pulumi_confluentcloud as confluent

import polaris_pulumi as polaris

config = pulumi.Config()
topic_name = config.get("topic") or "page_views"
table_name = config.get("table") or "page-views"

env = confluent.Environment("analytics", display_name="analytics")
cluster = confluent.KafkaCluster(
    "events",
    display_name="events",
    availability="SINGLE_ZONE",
    cloud=config.get("cloud") or "AWS",
    region=config.get("region") or "us-east-2",
    basic=confluent.KafkaClusterBasicArgs(),
    environment=confluent.KafkaClusterEnvironmentArgs(id=env.id),
)

# An admin service account manages the topic; Polaris gets its own read-only account.
admin = confluent.ServiceAccount("topic-admin", display_name="topic-admin")
admin_role = confluent.RoleBinding(
    "topic-admin-cluster-admin",
    principal=admin.id.apply(lambda id: f"User:{id}"),
    role_name="CloudClusterAdmin",
    crn_pattern=cluster.rbac_crn,
)


def cluster_key(
    name: str, owner: confluent.ServiceAccount, deps: list[pulumi.Resource]
) -> confluent.ApiKey:
    return confluent.ApiKey(
        name,
        display_name=name,
        owner=confluent.ApiKeyOwnerArgs(
            id=owner.id, api_version=owner.api_version, kind=owner.kind
        ),
        managed_resource=confluent.ApiKeyManagedResourceArgs(
            id=cluster.id,
            api_version=cluster.api_version,
            kind=cluster.kind,
            environment=confluent.ApiKeyManagedResourceEnvironmentArgs(id=env.id),
        ),
        opts=pulumi.ResourceOptions(depends_on=deps),
    )


admin_key = cluster_key("topic-admin-key", admin, [admin_role])
topic = confluent.KafkaTopic(
    "page-views",
    kafka_cluster=confluent.KafkaTopicKafkaClusterArgs(id=cluster.id),
    topic_name=topic_name,
    partitions_count=6,
    rest_endpoint=cluster.rest_endpoint,
    credentials=confluent.KafkaTopicCredentialsArgs(key=admin_key.id, secret=admin_key.secret),
)

reader = confluent.ServiceAccount("polaris-reader", display_name="polaris-reader")
read_bindings = [
    confluent.RoleBinding(
        f"polaris-read-{kind}",
        principal=reader.id.apply(lambda id: f"User:{id}"),
        role_name="DeveloperRead",
        crn_pattern=pulumi.Output.all(cluster.rbac_crn, cluster.id).apply(
            lambda v, kind=kind, name=name: f"{v[0]}/kafka={v[1]}/{kind}={name}"
        ),
    )
    for kind, name in (("topic", topic_name), ("group", "*"))
]
reader_key = cluster_key("polaris-reader-key", reader, read_bindings)

connection = polaris.Connection(
    "page-views",
    description="Confluent Cloud topic managed in the same stack",
    # Confluent reports SASL_SSL://host:port; Polaris wants host:port.
    bootstrap_servers=polaris.bootstrap_servers(cluster.bootstrap_endpoint),
    topic_name=topic.topic_name,
    secrets=polaris.SaslPlainSecretsArgs(username=reader_key.id, password=reader_key.secret),
    # The connection test needs the key to be allowed to read.
    opts=pulumi.ResourceOptions(depends_on=read_bindings),
)

job = polaris.StreamingJob(
    "page-views",
    source=polaris.ConnectionSourceArgs(
        connection_name=connection.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="date", data_type="string"),
            polaris.InputFieldArgs(name="time", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(
            column_name="__time", expression='TIME_PARSE(CONCAT("date", \'T\', "time"))'
        )
    ],
    target=polaris.TableTargetArgs(table_name=table_name),
    create_table_if_not_exists=True,
    use_schema_discovery=True,
    dimension_exclusions=["date", "time"],
)

pulumi.export("bootstrap_servers", connection.bootstrap_servers)
pulumi.export("connection", connection.name)
pulumi.export("job_id", job.id)
pulumi.export("job_status", job.started.execution_status)  # once it started
