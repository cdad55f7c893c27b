"""The samsa CLI's admin commands (topic, group, cluster, config) against the real broker:
each command's JSON and table output, its effect seen by an independent client
(confluent-kafka, kafka-python), and the exit codes scripts rely on: 1 when the broker
refuses, 2 for a wrong command line, 3 when no broker answers.

Brokers run with group.initial.rebalance.delay.ms=0 so that a consumer's first join is not
held for Kafka's default 3 s. Deadlines are generous: tests assert what happens, never how
fast."""

import datetime
import time

import confluent_kafka
import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from cli_helpers import run_cli, run_cli_json
from client_helpers import TIMEOUT_SECONDS, confluent_producer, produce_all

FAST_GROUPS = {"group.initial.rebalance.delay.ms": 0}
SESSION_TIMEOUT_MS = 6000
# CreateTime timestamps of the records the group tests produce: record i has BASE + i s.
BASE_TIMESTAMP_MS = 1_700_000_000_000


@pytest.fixture
def group_broker(start_broker):
    return start_broker(FAST_GROUPS)


def table_rows(text):
    """The rows of a CLI table as lists of cells (the header row included)."""
    return [line.split() for line in text.splitlines() if line.strip()]


def config_of(described, name):
    return next(config for config in described["configs"] if config["name"] == name)


def kafka_python_configs(broker, resource_type, name):
    """name -> value of a resource, as kafka-python's describe_configs reads them."""
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        responses = admin.describe_configs([ConfigResource(resource_type, name)])
        resource = responses[0].resources[0]
        assert resource[0] == 0, resource
        return {entry[0]: entry[1] for entry in resource[4]}
    finally:
        admin.close()


def produce_timestamped(broker, topic, partition, count, first_index=0):
    producer = confluent_producer(broker)
    errors = []
    for index in range(first_index, first_index + count):
        producer.produce(topic, key=f"k{index}".encode(), value=f"v{index}".encode(),
                         partition=partition, timestamp=BASE_TIMESTAMP_MS + index * 1000,
                         on_delivery=lambda error, message: errors.append(error))
    assert producer.flush(TIMEOUT_SECONDS) == 0
    assert errors == [None] * count


def group_consumer(broker, group):
    return confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                                     "enable.auto.commit": False,
                                     "auto.offset.reset": "earliest",
                                     "session.timeout.ms": SESSION_TIMEOUT_MS,
                                     "client.id": "cli-admin-test"})


def first_offsets(broker, group, topic, partitions):
    """partition -> offset of the first message a new consumer of the group receives."""
    consumer = group_consumer(broker, group)
    try:
        consumer.subscribe([topic])
        first = {}
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while len(first) < partitions:
            assert time.monotonic() < deadline, f"only got partitions {sorted(first)}"
            message = consumer.poll(0.2)
            if message is None:
                continue
            assert message.error() is None, message.error()
            first.setdefault(message.partition(), message.offset())
        return first
    finally:
        consumer.close()


def test_topic_create_list_describe_delete(broker):
    created = run_cli(broker, "topic", "create", "orders", "-p", "3",
                      "-c", "retention.ms=86400000", "-c", "cleanup.policy=delete")
    assert created.returncode == 0, created.stderr
    assert "created topic orders" in created.stdout

    again = run_cli(broker, "topic", "create", "orders")
    assert again.returncode == 1
    assert again.stdout == ""
    assert 'topic "orders" already exists' in again.stderr

    listed = run_cli_json(broker, "topic", "list")
    orders = next(topic for topic in listed if topic["name"] == "orders")
    assert orders["partitions"] == 3
    assert orders["replication_factor"] == 1
    table = run_cli(broker, "topic", "list")
    assert table.returncode == 0, table.stderr
    assert ["orders", "3", "1"] in table_rows(table.stdout)

    described = run_cli_json(broker, "topic", "describe", "orders")
    assert [p["partition"] for p in described["partitions"]] == [0, 1, 2]
    for partition in described["partitions"]:
        assert partition["leader"] in partition["replicas"]
        assert partition["isr"] == partition["replicas"]
        assert partition["earliest_offset"] == 0
        assert partition["latest_offset"] == 0
    retention = config_of(described, "retention.ms")
    assert retention["value"] == "86400000"
    assert retention["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert config_of(described, "segment.bytes")["source"] in (
        "DEFAULT_CONFIG", "STATIC_BROKER_CONFIG")
    human = run_cli(broker, "topic", "describe", "orders")
    assert human.returncode == 0, human.stderr
    assert ["retention.ms", "86400000", "DYNAMIC_TOPIC_CONFIG", "no", "no"] in table_rows(
        human.stdout)

    run_cli(broker, "topic", "create", "payments")
    deleted = run_cli_json(broker, "topic", "delete", "orders", "payments")
    assert sorted(entry["name"] for entry in deleted) == ["orders", "payments"]
    assert all(entry["deleted"] for entry in deleted)
    admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": broker.bootstrap})
    remaining = admin.list_topics(timeout=TIMEOUT_SECONDS).topics
    assert "orders" not in remaining and "payments" not in remaining


def test_internal_topics_are_listed_only_with_all(group_broker):
    consumer = group_consumer(group_broker, "listing")
    consumer.subscribe(["anything"])
    consumer.poll(1.0)
    consumer.close()
    everything = run_cli_json(group_broker, "topic", "list", "--all")
    internal = [topic["name"] for topic in everything if topic["internal"]]
    assert "__consumer_offsets" in internal
    names = [topic["name"] for topic in run_cli_json(group_broker, "topic", "list")]
    assert "__consumer_offsets" not in names


def test_alter_config_changes_retention(broker):
    assert run_cli(broker, "topic", "create", "logs").returncode == 0
    altered = run_cli(broker, "topic", "alter-config", "logs", "--set", "retention.ms=3600000",
                      "--set", "cleanup.policy=compact")
    assert altered.returncode == 0, altered.stderr
    described = run_cli_json(broker, "topic", "describe", "logs")
    assert config_of(described, "retention.ms")["value"] == "3600000"
    assert config_of(described, "retention.ms")["source"] == "DYNAMIC_TOPIC_CONFIG"
    seen = kafka_python_configs(broker, ConfigResourceType.TOPIC, "logs")
    assert seen["retention.ms"] == "3600000"
    assert seen["cleanup.policy"] == "compact"

    removed = run_cli(broker, "topic", "alter-config", "logs", "--delete", "retention.ms")
    assert removed.returncode == 0, removed.stderr
    described = run_cli_json(broker, "topic", "describe", "logs")
    assert config_of(described, "retention.ms")["source"] != "DYNAMIC_TOPIC_CONFIG"
    assert config_of(described, "cleanup.policy")["value"] == "compact"

    invalid = run_cli(broker, "topic", "alter-config", "logs", "--set", "retention.ms=soon")
    assert invalid.returncode == 1
    assert "retention.ms" in invalid.stderr
    unknown = run_cli(broker, "topic", "alter-config", "nope", "--set", "retention.ms=1")
    assert unknown.returncode == 1
    assert "nope" in unknown.stderr


def test_add_partitions(broker):
    assert run_cli(broker, "topic", "create", "grow", "-p", "1").returncode == 0
    grown = run_cli(broker, "topic", "add-partitions", "grow", "-n", "4")
    assert grown.returncode == 0, grown.stderr
    admin = confluent_kafka.admin.AdminClient({"bootstrap.servers": broker.bootstrap})
    assert len(admin.list_topics(timeout=TIMEOUT_SECONDS).topics["grow"].partitions) == 4
    shrink = run_cli(broker, "topic", "add-partitions", "grow", "-n", "2")
    assert shrink.returncode == 1
    assert shrink.stderr.startswith("samsa: ")


def test_delete_records_moves_the_earliest_offset(broker):
    assert run_cli(broker, "topic", "create", "trim", "-p", "2").returncode == 0
    producer = confluent_producer(broker)
    messages = [(None, f"value-{index}".encode(), None) for index in range(10)]
    assert produce_all(producer, "trim", messages, partition=0).errors == []
    assert produce_all(producer, "trim", messages[:3], partition=1).errors == []

    trimmed = run_cli_json(broker, "topic", "delete-records", "trim", "--partition", "0",
                           "--before", "4")
    assert trimmed == [{"topic": "trim", "partition": 0, "earliest_offset": 4}]
    consumer = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap,
                                         "group.id": "watermarks"})
    try:
        low, high = consumer.get_watermark_offsets(confluent_kafka.TopicPartition("trim", 0),
                                                   timeout=TIMEOUT_SECONDS)
        assert (low, high) == (4, 10)
        everything = run_cli(broker, "topic", "delete-records", "trim", "--all-partitions",
                             "--before", "-1")
        assert everything.returncode == 0, everything.stderr
        assert ["trim", "1", "3"] in table_rows(everything.stdout)
        low, high = consumer.get_watermark_offsets(confluent_kafka.TopicPartition("trim", 0),
                                                   timeout=TIMEOUT_SECONDS)
        assert (low, high) == (10, 10)
    finally:
        consumer.close()
    described = run_cli_json(broker, "topic", "describe", "trim")
    assert [p["earliest_offset"] for p in described["partitions"]] == [10, 3]


def test_groups_list_describe_reset_and_delete(group_broker):
    broker = group_broker
    assert run_cli(broker, "topic", "create", "events", "-p", "2").returncode == 0
    produce_timestamped(broker, "events", 0, 10)
    produce_timestamped(broker, "events", 1, 10)

    consumer = group_consumer(broker, "billing")
    consumer.subscribe(["events"])
    received = 0
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while received < 20:
        assert time.monotonic() < deadline, f"received {received} of 20"
        message = consumer.poll(0.2)
        if message is not None and message.error() is None:
            received += 1
    consumer.commit(asynchronous=False)
    produce_timestamped(broker, "events", 0, 3, first_index=10)
    try:
        groups = run_cli_json(broker, "group", "list")
        assert {"group_id": "billing", "state": "Stable", "simple": False} in groups
        assert ["billing", "Stable", "consumer"] in table_rows(run_cli(broker, "group",
                                                                       "list").stdout)

        described = run_cli_json(broker, "group", "describe", "billing")
        assert described["state"] == "Stable"
        assert described["protocol"] != ""
        [member] = described["members"]
        assert member["client_id"] == "cli-admin-test"
        assert sorted((a["topic"], a["partition"]) for a in member["assignment"]) == [
            ("events", 0), ("events", 1)]
        offsets = {entry["partition"]: entry for entry in described["offsets"]}
        assert offsets[0]["committed_offset"] == 10
        assert offsets[0]["log_end_offset"] == 13
        assert offsets[0]["lag"] == 3
        assert offsets[1]["lag"] == 0
        assert offsets[0]["member_id"] == member["member_id"]
        human = run_cli(broker, "group", "describe", "billing")
        assert ["events", "0", "10", "13", "3", "cli-admin-test"] in table_rows(human.stdout)

        active = run_cli(broker, "group", "reset-offsets", "billing", "--topic", "events",
                         "--to-earliest")
        assert active.returncode == 1
        assert "active" in active.stderr
    finally:
        consumer.close()

    dry = run_cli_json(broker, "group", "reset-offsets", "billing", "--topic", "events",
                       "--to-earliest", "--dry-run")
    assert dry["dry_run"] is True
    assert {(o["partition"], o["new_offset"]) for o in dry["offsets"]} == {(0, 0), (1, 0)}
    still = run_cli_json(broker, "group", "describe", "billing")
    assert {o["partition"]: o["committed_offset"] for o in still["offsets"]} == {0: 10, 1: 10}

    earliest = run_cli(broker, "group", "reset-offsets", "billing", "--topic", "events",
                       "--to-earliest")
    assert earliest.returncode == 0, earliest.stderr
    assert ["billing", "events", "0", "10", "0"] in table_rows(earliest.stdout)
    assert first_offsets(broker, "billing", "events", 2) == {0: 0, 1: 0}

    latest = run_cli_json(broker, "group", "reset-offsets", "billing", "--topic", "events",
                          "--to-latest")
    assert {(o["partition"], o["new_offset"]) for o in latest["offsets"]} == {(0, 13), (1, 10)}
    produce_timestamped(broker, "events", 0, 1, first_index=13)
    produce_timestamped(broker, "events", 1, 1, first_index=10)
    assert first_offsets(broker, "billing", "events", 2) == {0: 13, 1: 10}

    by_time = run_cli_json(broker, "group", "reset-offsets", "billing", "--topic", "events:0",
                           "--to-timestamp", str(BASE_TIMESTAMP_MS + 5000))
    assert [(o["partition"], o["new_offset"]) for o in by_time["offsets"]] == [(0, 5)]
    iso = datetime.datetime.fromtimestamp((BASE_TIMESTAMP_MS + 7000) / 1000,
                                          datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    by_date = run_cli_json(broker, "group", "reset-offsets", "billing", "--topic", "events:1",
                           "--to-datetime", iso)
    assert [(o["partition"], o["new_offset"]) for o in by_date["offsets"]] == [(1, 7)]
    assert first_offsets(broker, "billing", "events", 2) == {0: 5, 1: 7}

    shifted = run_cli_json(broker, "group", "reset-offsets", "billing", "--topic", "events:0",
                           "--shift-by", "-2", "--dry-run")
    assert shifted["offsets"][0]["previous_offset"] == 5
    assert shifted["offsets"][0]["new_offset"] == 3

    deleted = run_cli(broker, "group", "delete", "billing")
    assert deleted.returncode == 0, deleted.stderr
    assert "billing" not in [g["group_id"] for g in run_cli_json(broker, "group", "list")]
    missing = run_cli(broker, "group", "delete", "billing")
    assert missing.returncode == 1
    assert "billing" in missing.stderr
    unknown = run_cli(broker, "group", "describe", "nobody")
    assert unknown.returncode == 1
    assert 'group "nobody" does not exist' in unknown.stderr


def test_cluster_info(broker):
    info = run_cli_json(broker, "cluster", "info")
    assert info["cluster_id"] != ""
    [node] = info["brokers"]
    assert f"{node['host']}:{node['port']}" == broker.bootstrap
    assert info["controller"] == node["id"]
    human = run_cli(broker, "cluster", "info")
    assert human.returncode == 0, human.stderr
    assert f"Cluster id: {info['cluster_id']}" in human.stdout
    assert any(row[:2] == [str(node["id"]), broker.bootstrap] for row in table_rows(human.stdout))


def test_config_get_and_set_for_a_broker(broker):
    node = run_cli_json(broker, "cluster", "info")["brokers"][0]["id"]
    everything = run_cli_json(broker, "config", "get")
    assert everything["resource"] == "broker"
    assert everything["name"] == str(node)
    names = {config["name"] for config in everything["configs"]}
    assert "log.retention.ms" in names or "log.retention.hours" in names

    changed = run_cli(broker, "config", "set", "--broker", str(node), "log.retention.ms=7200000")
    assert changed.returncode == 0, changed.stderr
    one = run_cli_json(broker, "config", "get", "--broker", str(node), "log.retention.ms")
    [entry] = one["configs"]
    assert entry["value"] == "7200000"
    assert entry["source"] == "DYNAMIC_BROKER_CONFIG"
    assert entry["read_only"] is False
    assert kafka_python_configs(broker, ConfigResourceType.BROKER,
                                str(node))["log.retention.ms"] == "7200000"
    human = run_cli(broker, "config", "get", "--broker", str(node), "log.retention.ms")
    assert ["log.retention.ms", "7200000", "DYNAMIC_BROKER_CONFIG", "no", "no"] in table_rows(
        human.stdout)

    removed = run_cli(broker, "config", "set", "--broker", str(node), "--delete",
                      "log.retention.ms")
    assert removed.returncode == 0, removed.stderr
    [entry] = run_cli_json(broker, "config", "get", "--broker", str(node),
                           "log.retention.ms")["configs"]
    assert entry["source"] != "DYNAMIC_BROKER_CONFIG"

    default = run_cli(broker, "config", "set", "--cluster", "log.retention.ms=5400000")
    assert default.returncode == 0, default.stderr
    [entry] = run_cli_json(broker, "config", "get", "--broker", str(node),
                           "log.retention.ms")["configs"]
    assert (entry["value"], entry["source"]) == ("5400000", "DYNAMIC_DEFAULT_BROKER_CONFIG")
    assert run_cli(broker, "config", "set", "--cluster", "--delete",
                   "log.retention.ms").returncode == 0

    unknown_key = run_cli(broker, "config", "get", "--broker", str(node), "no.such.config")
    assert unknown_key.returncode == 1
    assert "no.such.config" in unknown_key.stderr
    topic_configs = run_cli(broker, "config", "get", "--topic", "absent")
    assert topic_configs.returncode == 1


def test_unknown_topic_is_exit_code_1(broker):
    for arguments in (("topic", "describe", "absent"),
                      ("topic", "delete", "absent"),
                      ("topic", "add-partitions", "absent", "-n", "3")):
        result = run_cli(broker, *arguments)
        assert result.returncode == 1, (arguments, result.stderr)
        assert result.stdout == ""
        assert 'topic "absent" does not exist' in result.stderr
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("arguments", [
    ("topic", "create"),
    ("topic", "create", "x", "-p", "many"),
    ("topic", "create", "x", "-c", "no-equals-sign"),
    ("topic", "frobnicate"),
    ("topic", "alter-config", "x"),
    ("topic", "delete-records", "x", "--before", "3"),
    ("group", "reset-offsets", "g", "--topic", "t"),
    ("group", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"),
    ("group", "reset-offsets", "g", "--topic", "t:a", "--to-earliest"),
    ("group", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"),
    ("config", "set", "--broker", "1", "--topic", "t", "a=b"),
    ("config", "set", "--cluster", "novalue"),
])
def test_bad_arguments_are_exit_code_2(broker, arguments):
    result = run_cli(broker, *arguments)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr != ""


@pytest.mark.parametrize("arguments", [
    ("topic", "list"),
    ("topic", "describe", "orders"),
    ("topic", "alter-config", "orders", "--set", "retention.ms=1"),
    ("group", "list"),
    ("cluster", "info"),
    ("config", "get"),
])
def test_no_broker_is_exit_code_3(arguments):
    result = run_cli(None, *arguments, "--timeout", "2000", brokers="127.0.0.1:1")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "127.0.0.1:1" in result.stderr
