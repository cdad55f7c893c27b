"""Topic lifecycle with real admin clients: CreateTopics, DeleteTopics, CreatePartitions and
auto-creation, Kafka's refusals, and topics surviving a restart (the metadata log).

confluent-kafka's admin futures fail with _DESTROY when their client is collected, so every
test holds its AdminClient in a variable for as long as it waits."""

import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
from kafka.admin import KafkaAdminClient
from kafka.admin import NewPartitions as PyNewPartitions
from kafka.admin import NewTopic as PyNewTopic
from kafka.errors import (InvalidPartitionsError, InvalidReplicationFactorError,
                          InvalidTopicError, TopicAlreadyExistsError)

import kafka_wire

TIMEOUT_SECONDS = 15


def confluent_admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def wait_all(futures):
    """The result (or exception) of every future of a confluent-kafka admin call, by name."""
    outcomes = {}
    for name, future in futures.items():
        try:
            outcomes[name] = future.result(timeout=TIMEOUT_SECONDS)
        except Exception as error:  # the client reports refusals as KafkaException
            outcomes[name] = error
    return outcomes


def error_name(outcome):
    """librdkafka's name of the error code a refusal carried (None for success)."""
    return outcome.args[0].name() if isinstance(outcome, Exception) else None


def describe(broker):
    """topic -> partition count, as confluent-kafka's metadata request sees it."""
    metadata = confluent_admin(broker).list_topics(timeout=TIMEOUT_SECONDS)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()}


def test_created_topics_are_listed_with_their_partitions_led_by_the_broker(broker):
    admin = confluent_admin(broker)
    outcomes = wait_all(admin.create_topics([NewTopic("orders", 6, 1),
                                             NewTopic("audit", 1, 1)]))
    assert outcomes == {"orders": None, "audit": None}
    metadata = admin.list_topics(timeout=TIMEOUT_SECONDS)
    assert len(metadata.topics["orders"].partitions) == 6
    for partition in metadata.topics["orders"].partitions.values():
        assert partition.leader == 1
        assert partition.replicas == [1]
        assert partition.isrs == [1]


def test_kafka_python_creates_lists_and_deletes_topics(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        admin.create_topics([PyNewTopic("one", 2, 1), PyNewTopic("two", 1, 1)])
        assert {"one", "two"} <= set(admin.list_topics())
        admin.delete_topics(["one"])
        assert "one" not in admin.list_topics()
        assert "two" in admin.list_topics()
        with pytest.raises(TopicAlreadyExistsError):
            admin.create_topics([PyNewTopic("two", 1, 1)])
    finally:
        admin.close()


def test_refusals_carry_kafkas_error_codes(broker):
    admin = confluent_admin(broker)
    wait_all(admin.create_topics([NewTopic("taken", 1, 1)]))
    outcomes = wait_all(admin.create_topics([
        NewTopic("taken", 1, 1),
        NewTopic("bad name!", 1, 1),
        NewTopic("x" * 250, 1, 1),
        NewTopic("replicated", 1, 3),
    ]))
    assert error_name(outcomes["taken"]) == "TOPIC_ALREADY_EXISTS"
    # librdkafka's name for INVALID_TOPIC_EXCEPTION (17)
    assert error_name(outcomes["bad name!"]) == "TOPIC_EXCEPTION"
    assert error_name(outcomes["x" * 250]) == "TOPIC_EXCEPTION"
    assert error_name(outcomes["replicated"]) == "INVALID_REPLICATION_FACTOR"


def test_kafka_python_sees_the_same_refusals(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        with pytest.raises(InvalidTopicError):
            admin.create_topics([PyNewTopic("..", 1, 1)])
        with pytest.raises(InvalidPartitionsError):
            admin.create_topics([PyNewTopic("zero", 0, 1)])
        with pytest.raises(InvalidReplicationFactorError):
            admin.create_topics([PyNewTopic("many", 1, 2)])
    finally:
        admin.close()


def test_partitions_can_be_added_but_not_removed(broker):
    admin = confluent_admin(broker)
    wait_all(admin.create_topics([NewTopic("growing", 2, 1)]))
    assert wait_all(admin.create_partitions([NewPartitions("growing", 5)])) == {"growing": None}
    assert describe(broker)["growing"] == 5
    outcomes = wait_all(admin.create_partitions([NewPartitions("growing", 3)]))
    assert error_name(outcomes["growing"]) == "INVALID_PARTITIONS"
    kafka_python = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        kafka_python.create_partitions({"growing": PyNewPartitions(6)})
    finally:
        kafka_python.close()
    assert describe(broker)["growing"] == 6


def test_deleting_an_unknown_topic_is_unknown_topic_or_partition(broker):
    admin = confluent_admin(broker)
    outcomes = wait_all(admin.delete_topics(["ghost"]))
    # librdkafka's name for UNKNOWN_TOPIC_OR_PARTITION (3)
    assert error_name(outcomes["ghost"]) == "UNKNOWN_TOPIC_OR_PART"


def test_metadata_for_an_unknown_topic_creates_it_when_auto_creation_is_on(start_broker):
    broker = start_broker({"num.partitions": 3})
    output = subprocess.run(["kcat", "-b", broker.bootstrap, "-L", "-t", "implicit", "-m", "10"],
                            capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    assert output.returncode == 0, output.stderr
    assert describe(broker)["implicit"] == 3
    assert (broker.data_dir / "implicit-2").is_dir()


def test_concurrent_auto_creation_of_one_topic_hosts_it_once(start_broker, connect):
    # Several Metadata requests for the same unknown topic at once (pipelined on one
    # connection, which the broker serves concurrently, and on a second connection): each
    # starts a creation; publishing the resulting images must not host a partition twice
    # (that aborted the broker once).
    broker = start_broker({"num.partitions": 2})
    connections = [connect(broker), connect(broker)]
    topics = [f"raced-{index}" for index in range(5)]
    version = 9
    for topic in topics:
        body = kafka_wire.metadata_request(version, topics=[topic])
        for connection in connections:
            for _ in range(3):
                connection.send_request(kafka_wire.METADATA, version, body)
        for connection in connections:
            for _ in range(3):
                connection.read_frame()
    described = describe(broker)
    assert {topic: described.get(topic) for topic in topics} == {topic: 2 for topic in topics}
    assert broker.is_running()


def test_topics_and_their_logs_survive_a_restart(broker):
    admin = confluent_admin(broker)
    assert wait_all(admin.create_topics([NewTopic("durable", 4, 1)])) == {"durable": None}
    assert wait_all(admin.delete_topics(["durable"])) == {"durable": None}
    assert wait_all(admin.create_topics([NewTopic("durable", 2, 1),
                                         NewTopic("kept", 1, 1)])) == {"durable": None,
                                                                        "kept": None}
    broker.restart()
    assert describe(broker) == {"durable": 2, "kept": 1}
    assert sorted(path.name for path in broker.data_dir.iterdir()
                  if path.name.startswith(("durable", "kept"))) == [
        "durable-0", "durable-1", "kept-0"]


def test_topics_survive_kill_9(broker):
    admin = confluent_admin(broker)
    assert wait_all(admin.create_topics([NewTopic("crash-safe", 3, 1)])) == {"crash-safe": None}
    broker.kill()
    broker.start()
    assert describe(broker)["crash-safe"] == 3
