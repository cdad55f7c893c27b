"""Dynamic configs: DescribeConfigs, AlterConfigs and IncrementalAlterConfigs with
confluent-kafka, kafka-python and raw frames; values and sources as Kafka reports them,
Kafka's refusals, changes that take effect at once and survive a restart.

confluent-kafka's admin futures fail with _DESTROY when their client is collected, so every
test holds its AdminClient in a variable for as long as it waits."""

import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
from kafka.admin import ConfigResource as PyConfigResource
from kafka.admin import ConfigResourceType, KafkaAdminClient

import kafka_wire
from client_helpers import confluent_producer, create_topic, produce_all
from kafka_probe import call

TIMEOUT_SECONDS = 15
DESCRIBE_CONFIGS, ALTER_CONFIGS, INCREMENTAL_ALTER_CONFIGS = 32, 33, 44
TOPIC, BROKER = 2, 4
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG, INVALID_REQUEST = 3, 40, 42
TOPIC_CONFIG, DYNAMIC_BROKER, DYNAMIC_DEFAULT, STATIC_BROKER, DEFAULT_CONFIG = 1, 2, 3, 4, 5
ONE_MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------
# Raw frames (kafka_wire's primitives; flexible versions use compact encodings)
# ---------------------------------------------------------------------------------------


def incremental_alter_request(version, resources, validate_only=False):
    """IncrementalAlterConfigs body; resources: [(type, name, [(key, operation, value)])]."""
    flexible = version >= 1
    tags = kafka_wire.tagged_fields() if flexible else b""
    encoded = []
    for resource_type, name, configs in resources:
        entries = [kafka_wire.string(key, compact=flexible) + kafka_wire.int8(operation)
                   + kafka_wire.string(value, compact=flexible) + tags
                   for key, operation, value in configs]
        encoded.append(kafka_wire.int8(resource_type) + kafka_wire.string(name, compact=flexible)
                       + kafka_wire.array(entries, compact=flexible) + tags)
    return (kafka_wire.array(encoded, compact=flexible) + kafka_wire.boolean(validate_only)
            + tags)


def describe_configs_request(resources, include_synonyms=True):
    """DescribeConfigs v4 body; resources: [(type, name, keys or None)]."""
    tags = kafka_wire.tagged_fields()
    encoded = []
    for resource_type, name, keys in resources:
        key_list = None if keys is None else [kafka_wire.string(k, compact=True) for k in keys]
        encoded.append(kafka_wire.int8(resource_type) + kafka_wire.string(name, compact=True)
                       + kafka_wire.array(key_list, compact=True) + tags)
    return (kafka_wire.array(encoded, compact=True) + kafka_wire.boolean(include_synonyms)
            + kafka_wire.boolean(False) + tags)


def incremental_alter(connection, probe, resources, validate_only=False, version=1):
    """[(error_code, error_message)] per resource."""
    body = incremental_alter_request(version, resources, validate_only)
    answer = call(connection, probe, INCREMENTAL_ALTER_CONFIGS, version, body,
                  header_version=2 if version >= 1 else 1)["body"]
    return [(each["error_code"], each["error_message"]) for each in answer["responses"]]


def raw_describe(connection, probe, resources):
    """The results of a DescribeConfigs v4, each {"error_code", "configs": {name: config}}."""
    answer = call(connection, probe, DESCRIBE_CONFIGS, 4, describe_configs_request(resources),
                  header_version=2)["body"]
    return [{"error_code": result["error_code"], "error_message": result["error_message"],
             "configs": {config["name"]: config for config in result["configs"]}}
            for result in answer["results"]]


def topic_configs(admin, topic):
    resource = ConfigResource("topic", topic)
    return admin.describe_configs([resource])[resource].result(timeout=TIMEOUT_SECONDS)


# ---------------------------------------------------------------------------------------
# Describing
# ---------------------------------------------------------------------------------------


def test_confluent_describes_a_topics_values_and_sources(start_broker):
    broker = start_broker({"log.retention.hours": 2})
    create_topic(broker, "orders", config={"retention.ms": "1000"})
    create_topic(broker, "plain")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})

    orders = topic_configs(admin, "orders")
    assert orders["retention.ms"].value == "1000"
    assert orders["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert not orders["retention.ms"].is_read_only
    assert "log.retention.hours" in orders["retention.ms"].synonyms

    plain = topic_configs(admin, "plain")
    assert plain["retention.ms"].value == str(2 * 3600 * 1000)
    assert plain["retention.ms"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert plain["segment.bytes"].value == "1073741824"
    assert plain["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert plain["cleanup.policy"].value == "delete"
    assert {"max.message.bytes", "compression.type", "min.insync.replicas"} <= set(plain)


def test_synonyms_come_in_kafkas_order(start_broker, connect, probe):
    # The topic's own value, then the broker keys by source (dynamic, static, default),
    # in precedence order within a source.
    broker = start_broker({"log.retention.hours": 2})
    create_topic(broker, "orders", config={"retention.ms": "1000"})
    connection = connect(broker)
    assert incremental_alter(connection, probe, [
        (BROKER, "", [("log.retention.ms", SET, "600000")])]) == [(0, None)]
    configs = raw_describe(connection, probe, [(TOPIC, "orders", ["retention.ms"])])[0]["configs"]
    assert list(configs) == ["retention.ms"]
    assert [(s["name"], s["value"], s["source"]) for s in configs["retention.ms"]["synonyms"]] == [
        ("retention.ms", "1000", TOPIC_CONFIG),
        ("log.retention.ms", "600000", DYNAMIC_DEFAULT),
        ("log.retention.hours", "2", STATIC_BROKER),
        ("log.retention.hours", "168", DEFAULT_CONFIG)]
    assert configs["retention.ms"]["config_type"] == 5  # LONG
    assert configs["retention.ms"]["documentation"] is None


def test_confluent_describes_this_broker_with_read_only_flags(start_broker):
    broker = start_broker({"log.retention.hours": 2})
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource("broker", "1")
    configs = admin.describe_configs([resource])[resource].result(timeout=TIMEOUT_SECONDS)
    assert configs["log.retention.hours"].value == "2"
    assert configs["log.retention.hours"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["log.retention.hours"].is_read_only
    assert configs["log.retention.ms"].value is None
    assert not configs["log.retention.ms"].is_read_only
    assert configs["num.partitions"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["log.dirs"].value == str(broker.data_dir)


def test_describe_refuses_unknown_topics_and_other_brokers(broker, connect, probe):
    results = raw_describe(connect(broker), probe,
                           [(TOPIC, "missing", None), (BROKER, "7", None), (BROKER, "x", None),
                            (16, "whatever", None)])
    assert results[0]["error_code"] == UNKNOWN_TOPIC_OR_PARTITION
    assert results[0]["error_message"] == "The topic 'missing' does not exist."
    assert results[1]["error_code"] == INVALID_REQUEST
    assert results[1]["error_message"] == (
        "Unexpected broker id, expected 1 or empty string, but received 7")
    assert results[2]["error_code"] == INVALID_REQUEST
    assert results[3]["error_code"] == INVALID_REQUEST
    assert all(not result["configs"] for result in results)


def test_kafka_python_describes_and_alters_configs(broker):
    create_topic(broker, "events")
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        altered = admin.alter_configs([PyConfigResource(
            ConfigResourceType.TOPIC, "events", configs={"retention.ms": "86400000"})])
        assert [entry[0] for entry in altered.resources] == [0]
        responses = admin.describe_configs(
            [PyConfigResource(ConfigResourceType.TOPIC, "events"),
             PyConfigResource(ConfigResourceType.BROKER, "1")])
        by_name = {}
        for response in responses:
            for error_code, _, _, name, entries in response.resources:
                assert error_code == 0
                by_name[name] = {entry[0]: entry for entry in entries}
        # (name, value, read_only, source, is_sensitive, synonyms) in v1+
        assert by_name["events"]["retention.ms"][1] == "86400000"
        assert by_name["events"]["retention.ms"][3] == TOPIC_CONFIG
        assert by_name["1"]["message.max.bytes"][1] == "1048588"
    finally:
        admin.close()


# ---------------------------------------------------------------------------------------
# Altering
# ---------------------------------------------------------------------------------------


def test_confluent_alter_configs_replaces_the_topics_whole_set(broker):
    create_topic(broker, "orders", config={"retention.ms": "1000"})
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource("topic", "orders", set_config={"cleanup.policy": "compact"})
    assert admin.alter_configs([resource])[resource].result(timeout=TIMEOUT_SECONDS) is None
    configs = topic_configs(admin, "orders")
    assert configs["cleanup.policy"].value == "compact"
    assert configs["cleanup.policy"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    # AlterConfigs replaces the set: retention.ms is back to the broker's default.
    assert configs["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["retention.ms"].value == str(168 * 3600 * 1000)

    bad = ConfigResource("topic", "orders", set_config={"retention.ms": "soon"})
    with pytest.raises(Exception) as refused:
        admin.alter_configs([bad])[bad].result(timeout=TIMEOUT_SECONDS)
    assert refused.value.args[0].name() == "INVALID_CONFIG"


def test_incremental_set_append_subtract_and_delete(broker, connect, probe):
    create_topic(broker, "orders")
    connection = connect(broker)
    for version in (0, 1):
        assert incremental_alter(connection, probe, [(TOPIC, "orders", [
            ("cleanup.policy", APPEND, "compact"), ("retention.ms", SET, "5000")])],
            version=version) == [(0, None)]
    configs = raw_describe(connection, probe, [(TOPIC, "orders", None)])[0]["configs"]
    assert configs["cleanup.policy"]["value"] == "delete,compact"
    assert configs["retention.ms"]["value"] == "5000"
    assert configs["retention.ms"]["config_source"] == TOPIC_CONFIG

    assert incremental_alter(connection, probe, [(TOPIC, "orders", [
        ("cleanup.policy", SUBTRACT, "delete"), ("retention.ms", DELETE, None)])]) == [(0, None)]
    configs = raw_describe(connection, probe, [(TOPIC, "orders", None)])[0]["configs"]
    assert configs["cleanup.policy"]["value"] == "compact"
    assert configs["retention.ms"]["config_source"] == DEFAULT_CONFIG


def test_incremental_refusals_carry_kafkas_codes_and_messages(broker, connect, probe):
    create_topic(broker, "orders")
    connection = connect(broker)
    outcomes = incremental_alter(connection, probe, [
        (TOPIC, "orders", [("retention.ms", APPEND, "1")]),
        (TOPIC, "missing", [("retention.ms", SET, "1")]),
        (BROKER, "", [("log.dirs", SET, "/elsewhere")]),
        (BROKER, "1", [("num.io.threads", SET, "2")]),
    ])
    outcomes += incremental_alter(connection, probe, [
        (BROKER, "1", [("log.retention.ms", SET, "soon")])])
    assert outcomes[0] == (INVALID_CONFIG,
                           "Can't APPEND to key retention.ms because its type is not LIST.")
    assert outcomes[1] == (UNKNOWN_TOPIC_OR_PARTITION, "The topic 'missing' does not exist.")
    assert outcomes[2] == (INVALID_CONFIG, "Cannot update these configs dynamically: Set(log.dirs)")
    assert outcomes[3][0] == INVALID_CONFIG and "num.io.threads" in outcomes[3][1]
    assert outcomes[4] == (INVALID_CONFIG, "Invalid value soon for configuration "
                                           "log.retention.ms: Not a number of type LONG")

    more = incremental_alter(connection, probe, [
        (TOPIC, "orders", [("no.such.config", SET, "1")]),
        (TOPIC, "orders", [("retention.ms", SET, None)]),
    ])
    assert more[0] == (INVALID_REQUEST, "Each resource must appear at most once.")
    assert more[1] == (INVALID_REQUEST, "Each resource must appear at most once.")
    assert incremental_alter(connection, probe, [
        (TOPIC, "orders", [("no.such.config", SET, "1")])]) == [
        (INVALID_CONFIG, "Unknown topic config name: no.such.config")]
    assert incremental_alter(connection, probe, [
        (TOPIC, "orders", [("retention.ms", SET, None)])]) == [
        (INVALID_REQUEST, "Null value not supported for : retention.ms")]


def test_validate_only_changes_nothing(broker, connect, probe):
    create_topic(broker, "orders")
    connection = connect(broker)
    assert incremental_alter(connection, probe, [(TOPIC, "orders", [("retention.ms", SET, "5")]),
                                                 (BROKER, "", [("log.retention.ms", SET, "5")])],
                             validate_only=True) == [(0, None), (0, None)]
    assert incremental_alter(connection, probe, [(TOPIC, "orders", [("retention.ms", SET, "x")])],
                             validate_only=True)[0][0] == INVALID_CONFIG
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource("topic", "orders", set_config={"cleanup.policy": "compact"})
    admin.alter_configs([resource], validate_only=True)[resource].result(timeout=TIMEOUT_SECONDS)
    configs = topic_configs(admin, "orders")
    assert configs["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["cleanup.policy"].value == "delete"
    assert raw_describe(connection, probe, [(BROKER, "", None)])[0]["configs"] == {}


def test_the_cluster_default_lists_what_is_set_there(broker, connect, probe):
    connection = connect(broker)
    assert incremental_alter(connection, probe, [
        (BROKER, "", [("log.retention.ms", SET, "600000")]),
        (BROKER, "1", [("message.max.bytes", SET, "2000000")])]) == [(0, None), (0, None)]
    default, own = raw_describe(connection, probe, [(BROKER, "", None), (BROKER, "1", None)])
    assert list(default["configs"]) == ["log.retention.ms"]
    assert default["configs"]["log.retention.ms"]["config_source"] == DYNAMIC_DEFAULT
    assert own["configs"]["message.max.bytes"]["value"] == "2000000"
    assert own["configs"]["message.max.bytes"]["config_source"] == DYNAMIC_BROKER
    assert own["configs"]["log.retention.ms"]["value"] == "600000"


# ---------------------------------------------------------------------------------------
# Effect and persistence
# ---------------------------------------------------------------------------------------


def fill_segments(broker, topic, megabytes=3):
    """Produces about `megabytes` MiB in 100 KiB records."""
    producer = confluent_producer(broker)
    value = b"x" * (100 * 1024)
    reports = produce_all(producer, topic, [(None, value, None)] * (megabytes * 10))
    assert not reports.errors


def log_start_offset(broker, topic):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "probe"})
    try:
        low, _ = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=TIMEOUT_SECONDS)
        return low
    finally:
        consumer.close()


def wait_for_log_start_offset_to_move(broker, topic, deadline_seconds=30):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if log_start_offset(broker, topic) > 0:
            return
        time.sleep(0.2)
    pytest.fail(f"the log start offset of {topic} never moved")


def test_a_topics_retention_change_applies_at_once(start_broker, connect, probe):
    broker = start_broker({"log.retention.check.interval.ms": 100})
    create_topic(broker, "orders", config={"segment.bytes": str(ONE_MIB)})
    fill_segments(broker, "orders")
    assert len(list((broker.data_dir / "orders-0").glob("*.log"))) >= 3
    assert log_start_offset(broker, "orders") == 0
    assert incremental_alter(connect(broker), probe, [
        (TOPIC, "orders", [("retention.ms", SET, "1")])]) == [(0, None)]
    wait_for_log_start_offset_to_move(broker, "orders")


def test_a_dynamic_broker_default_applies_to_topics_without_their_own(start_broker, connect,
                                                                       probe):
    broker = start_broker({"log.retention.check.interval.ms": 100})
    create_topic(broker, "inherits", config={"segment.bytes": str(ONE_MIB)})
    create_topic(broker, "keeps", config={"segment.bytes": str(ONE_MIB), "retention.ms": "-1"})
    fill_segments(broker, "inherits")
    fill_segments(broker, "keeps")
    assert incremental_alter(connect(broker), probe, [
        (BROKER, "", [("log.retention.ms", SET, "1")])]) == [(0, None)]
    wait_for_log_start_offset_to_move(broker, "inherits")
    time.sleep(1)  # ten more retention rounds
    assert log_start_offset(broker, "keeps") == 0  # its own retention.ms wins


def test_dynamic_configs_survive_a_restart(broker, connect, probe):
    create_topic(broker, "orders")
    assert incremental_alter(connect(broker), probe, [
        (TOPIC, "orders", [("retention.ms", SET, "5000")]),
        (BROKER, "", [("log.retention.ms", SET, "600000")]),
        (BROKER, "1", [("log.segment.bytes", SET, str(2 * ONE_MIB))])]) == [(0, None)] * 3
    broker.restart()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    configs = topic_configs(admin, "orders")
    assert configs["retention.ms"].value == "5000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["segment.bytes"].value == str(2 * ONE_MIB)
    assert configs["segment.bytes"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value
    default = raw_describe(connect(broker), probe, [(BROKER, "", None)])[0]
    assert default["configs"]["log.retention.ms"]["value"] == "600000"


def delivery_errors(broker, topic, messages):
    """librdkafka's error names of the messages (key, value) that were refused."""
    producer = confluent_producer(broker, {"retries": 0})
    reports = produce_all(producer, topic, [(key, value, None) for key, value in messages])
    return [error.name() for error in reports.errors]


def test_produce_limits_follow_runtime_changes(broker, connect, probe):
    create_topic(broker, "orders")
    create_topic(broker, "audit")
    connection = connect(broker)
    big = [(b"k", b"x" * 20000)]
    assert delivery_errors(broker, "orders", big) == []

    assert incremental_alter(connection, probe, [
        (TOPIC, "orders", [("max.message.bytes", SET, "10000"),
                           ("cleanup.policy", SET, "compact")])]) == [(0, None)]
    assert delivery_errors(broker, "orders", big) == ["MSG_SIZE_TOO_LARGE"]
    assert delivery_errors(broker, "orders", [(None, b"no key")]) == ["INVALID_RECORD"]

    # The cluster default reaches every topic that does not set its own.
    assert incremental_alter(connection, probe, [
        (TOPIC, "orders", [("max.message.bytes", DELETE, None)]),
        (BROKER, "", [("message.max.bytes", SET, "10000")])]) == [(0, None), (0, None)]
    assert delivery_errors(broker, "audit", big) == ["MSG_SIZE_TOO_LARGE"]
    assert incremental_alter(connection, probe, [
        (BROKER, "", [("message.max.bytes", DELETE, None)])]) == [(0, None)]
    assert delivery_errors(broker, "audit", big) == []
