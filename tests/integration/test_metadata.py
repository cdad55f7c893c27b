"""Metadata (key 3) of a single broker without topics, in every version the broker
advertises."""

from kafka_probe import advertised_versions, metadata
from kafka_wire import METADATA

NODE_ID = 1
HOST = "127.0.0.1"
UNKNOWN_TOPIC_OR_PARTITION = 3
ZERO_UUID_JSON = "AAAAAAAAAAAAAAAAAAAAAA"  # Kafka's Uuid.toString of sixteen zero bytes


def metadata_versions(connection, probe):
    low, high = advertised_versions(connection, probe)[METADATA]
    return range(low, high + 1)


def all_topics(version):
    # v0 asks for all topics with an empty list; v1+ with a null one (empty means none).
    return [] if version == 0 else None


def test_every_version_lists_this_broker_alone_with_its_listener_port(broker, connect, probe):
    connection = connect(broker)
    for version in metadata_versions(connection, probe):
        answer = metadata(connection, probe, version, topics=all_topics(version))
        brokers = [{key: entry[key] for key in ("node_id", "host", "port")}
                   for entry in answer["brokers"]]
        assert brokers == [{"node_id": NODE_ID, "host": HOST, "port": broker.port}], (
            f"v{version}")


def test_controller_is_this_broker_from_v1(broker, connect, probe):
    connection = connect(broker)
    for version in metadata_versions(connection, probe):
        if version >= 1:
            answer = metadata(connection, probe, version, topics=all_topics(version))
            assert answer["controller_id"] == NODE_ID, f"v{version}"


def test_cluster_id_is_that_of_meta_properties_from_v2(broker, connect, probe):
    cluster_id = broker.meta_properties()["cluster.id"]
    assert cluster_id
    connection = connect(broker)
    for version in metadata_versions(connection, probe):
        if version >= 2:
            answer = metadata(connection, probe, version, topics=all_topics(version))
            assert answer["cluster_id"] == cluster_id, f"v{version}"


def test_all_topics_is_empty_on_a_new_broker(broker, connect, probe):
    connection = connect(broker)
    for version in metadata_versions(connection, probe):
        answer = metadata(connection, probe, version, topics=all_topics(version))
        assert answer["topics"] == [], f"v{version}"
        assert answer["throttle_time_ms"] == 0, f"v{version}"


def test_unknown_topic_is_unknown_topic_or_partition_without_auto_creation(
        start_broker, connect, probe):
    broker = start_broker({"auto.create.topics.enable": "false"})
    connection = connect(broker)
    for version in metadata_versions(connection, probe):
        # From v4 the client asks for auto-creation; the broker's setting forbids it.
        answer = metadata(connection, probe, version, topics=["no-such-topic"],
                          allow_auto_topic_creation=True)
        assert len(answer["topics"]) == 1, f"v{version}"
        topic = answer["topics"][0]
        assert topic["error_code"] == UNKNOWN_TOPIC_OR_PARTITION, f"v{version}"
        assert topic["name"] == "no-such-topic", f"v{version}"
        assert topic["partitions"] == [], f"v{version}"
        if version >= 10:
            assert topic["topic_id"] == ZERO_UUID_JSON, f"v{version}"
