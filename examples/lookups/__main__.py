"""Orders enriched at ingestion with country names from a lookup: a `countries` lookup table
(partitioned by ALL, filled from a topic), a `Lookup` with the alias `countries`, and a job
whose mapping is `LOOKUP("country_code", 'countries', 'unknown')`.

Config: `bootstrapServers`, `kafkaUser`, `kafkaPassword` (secret), and optionally
`countriesTopic` and `ordersTopic` (default `countries` and `orders`).
"""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()


def topic(name: str) -> polaris.Connection:
    return polaris.Connection(
        name,
        bootstrap_servers=config.require("bootstrapServers"),
        topic_name=config.get(f"{name}Topic") or name,
        secrets=polaris.SaslPlainSecretsArgs(
            username=config.require("kafkaUser"), password=config.require_secret("kafkaPassword")
        ),
    )


countries = polaris.Table(
    "countries",
    name="countries",
    type="detail",
    partitioning_granularity="all",  # a lookup table is
    schema_mode="strict",
    schema=[
        polaris.TableColumnArgs(name="__time", data_type="timestamp"),
        polaris.TableColumnArgs(name="code", data_type="string"),
        polaris.TableColumnArgs(name="name", data_type="string"),
    ],
    deletion_protection=False,  # an example: `pulumi destroy` may drop it
)
fill = polaris.StreamingJob(
    "countries",
    source=polaris.ConnectionSourceArgs(
        connection_name=topic("countries").name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="code", data_type="string"),
            polaris.InputFieldArgs(name="name", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression="TIMESTAMP '2026-01-01'"),
        polaris.MappingArgs(column_name="code", expression='"code"'),
        polaris.MappingArgs(column_name="name", expression='"name"'),
    ],
    target=polaris.TableTargetArgs(table_name=countries.name),
    read_from_point="earliest",
    late_message_rejection_period="P3650D",
)
lookup = polaris.Lookup(
    "countries",
    name="country-lookup",
    source=polaris.LookupSourceArgs(table_name=countries.name),
    aliases=[polaris.LookupAliasArgs(name="countries", key="code", value="name")],
)
orders = polaris.StreamingJob(
    "orders",
    source=polaris.ConnectionSourceArgs(
        connection_name=topic("orders").name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="ts", data_type="string"),
            polaris.InputFieldArgs(name="country_code", data_type="string"),
            polaris.InputFieldArgs(name="amount", data_type="double"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ts")'),
        polaris.MappingArgs(
            column_name="country", expression="LOOKUP(\"country_code\", 'countries', 'unknown')"
        ),
        polaris.MappingArgs(column_name="amount", expression='"amount"'),
    ],
    target=polaris.TableTargetArgs(table_name="orders-by-country"),
    create_table_if_not_exists=True,
    read_from_point="earliest",
    late_message_rejection_period="P3650D",
    opts=pulumi.ResourceOptions(depends_on=[lookup]),  # its mapping reads the lookup
)
pulumi.export("lookup", lookup.name)
pulumi.export("orders_table", orders.target.apply(lambda t: t["table_name"]))
