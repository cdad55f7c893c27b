"""The group APIs on the wire, for the answers real clients rarely provoke: the coordinator
before and after __consumer_offsets exists, Kafka's error codes for unknown groups,
members, generations and topics, OffsetFetch for partitions without commits, and the
listing tools (kafka-python's admin client: ListGroups and DescribeGroups).

Request bodies are encoded with kafka-python's protocol classes (an independent encoder);
responses are decoded with Samsa's own codecs (tools/protocol_probe)."""

import struct
import time

import kafka
from kafka.admin import KafkaAdminClient
from kafka.protocol.commit import GroupCoordinatorRequest, OffsetCommitRequest, OffsetFetchRequest
from kafka.protocol.group import HeartbeatRequest, JoinGroupRequest

import kafka_probe
from client_helpers import TIMEOUT_SECONDS, create_topic

FIND_COORDINATOR, OFFSET_COMMIT, OFFSET_FETCH, JOIN_GROUP, HEARTBEAT = 10, 8, 9, 11, 12
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
COORDINATOR_NOT_AVAILABLE = 15
ILLEGAL_GENERATION = 22
INVALID_GROUP_ID = 24
UNKNOWN_MEMBER_ID = 25


def encoded(request):
    """The request's body bytes. kafka-python's encode() holds its instance weakly, so the
    instance must be kept alive in a variable while it encodes."""
    return request.encode()


def find_coordinator(connection, probe, group):
    body = encoded(GroupCoordinatorRequest[0](consumer_group=group))
    return kafka_probe.call(connection, probe, FIND_COORDINATOR, 0, body)["body"]


def wait_for_coordinator(connection, probe, group):
    """Asks until the coordinator is known (the first ask creates __consumer_offsets)."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        answer = find_coordinator(connection, probe, group)
        if answer["error_code"] == NONE:
            return answer
        assert answer["error_code"] == COORDINATOR_NOT_AVAILABLE, answer
        assert time.monotonic() < deadline, "no coordinator"
        time.sleep(0.1)


def heartbeat(connection, probe, group, generation, member):
    body = encoded(HeartbeatRequest[0](group=group, generation_id=generation, member_id=member))
    return kafka_probe.call(connection, probe, HEARTBEAT, 0, body)["body"]


def test_the_first_lookup_creates_the_offsets_topic_and_then_names_this_node(
        broker, connect, probe):
    connection = connect(broker)
    first = find_coordinator(connection, probe, "lookup")
    assert first["error_code"] == COORDINATOR_NOT_AVAILABLE
    answer = wait_for_coordinator(connection, probe, "lookup")
    assert (answer["host"], answer["port"]) == ("127.0.0.1", broker.port)
    metadata = kafka_probe.metadata(connection, probe, 1, topics=["__consumer_offsets"])
    topic = metadata["topics"][0]
    assert topic["error_code"] == NONE
    assert topic["is_internal"] is True
    assert len(topic["partitions"]) == 50  # offsets.topic.num.partitions


def test_unknown_groups_members_and_generations_get_kafkas_errors(broker, connect, probe):
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "nobody")
    assert heartbeat(connection, probe, "nobody", 1, "ghost")["error_code"] == UNKNOWN_MEMBER_ID

    join = encoded(JoinGroupRequest[2](group="", session_timeout=10000, rebalance_timeout=10000,
                                       member_id="", protocol_type="consumer",
                                       group_protocols=[("range", b"")]))
    answer = kafka_probe.call(connection, probe, JOIN_GROUP, 2, join)["body"]
    assert answer["error_code"] == INVALID_GROUP_ID

    create_topic(broker, "committed", 2)
    commit = encoded(OffsetCommitRequest[2](
        consumer_group="nobody", consumer_group_generation_id=3, consumer_id="ghost",
        retention_time=-1, topics=[("committed", [(0, 5, "")])]))
    answer = kafka_probe.call(connection, probe, OFFSET_COMMIT, 2, commit)["body"]
    # A generation of a group that does not exist cannot be right.
    assert answer["topics"][0]["partitions"][0]["error_code"] == ILLEGAL_GENERATION


def test_a_simple_consumer_commits_and_fetches_offsets_without_joining(broker, connect, probe):
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "simple")
    create_topic(broker, "plain", 2)
    commit = encoded(OffsetCommitRequest[2](
        consumer_group="simple", consumer_group_generation_id=-1, consumer_id="",
        retention_time=-1,
        topics=[("plain", [(0, 17, "checkpoint")]), ("missing", [(0, 1, "")])]))
    answer = kafka_probe.call(connection, probe, OFFSET_COMMIT, 2, commit)["body"]
    errors = {(topic["name"], partition["partition_index"]): partition["error_code"]
              for topic in answer["topics"] for partition in topic["partitions"]}
    assert errors == {("plain", 0): NONE, ("missing", 0): UNKNOWN_TOPIC_OR_PARTITION}

    fetch = encoded(OffsetFetchRequest[1](consumer_group="simple", topics=[("plain", [0, 1])]))
    answer = kafka_probe.call(connection, probe, OFFSET_FETCH, 1, fetch)["body"]
    fetched = {partition["partition_index"]: (partition["committed_offset"],
                                              partition["metadata"], partition["error_code"])
               for partition in answer["topics"][0]["partitions"]}
    # A partition without a commit: offset -1 and no error, as Kafka answers.
    assert fetched == {0: (17, "checkpoint", NONE), 1: (-1, "", NONE)}

    # After a restart the offsets are loaded back, and the group is listed (Empty, known
    # only by its offsets) before any request for it.
    broker.restart()
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        assert ("simple", "") in admin.list_consumer_groups()
    finally:
        admin.close()
    connection = connect(broker)
    answer = kafka_probe.call(connection, probe, OFFSET_FETCH, 1, fetch)["body"]
    assert answer["topics"][0]["partitions"][0]["committed_offset"] == 17


def test_admin_client_lists_and_describes_a_stable_group(start_broker):
    broker = start_broker({"group.initial.rebalance.delay.ms": 0})
    create_topic(broker, "watched", 2)
    consumer = kafka.KafkaConsumer("watched", bootstrap_servers=broker.bootstrap,
                                   group_id="watchers", client_id="watcher-client",
                                   enable_auto_commit=False)
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not consumer.assignment():
            assert time.monotonic() < deadline, "never assigned"
            consumer.poll(timeout_ms=200)
        assert ("watchers", "consumer") in admin.list_consumer_groups()
        described = admin.describe_consumer_groups(["watchers"])[0]
        assert described.group == "watchers"
        assert described.state == "Stable"
        assert described.protocol_type == "consumer"
        assert described.protocol == "range"
        assert [member.client_id for member in described.members] == ["watcher-client"]
        assignment = described.members[0].member_assignment.assignment
        assert assignment == [("watched", [0, 1])]
    finally:
        consumer.close()
        admin.close()


OFFSET_DELETE = 47
GROUP_ID_NOT_FOUND = 69


def offset_delete_body(group, topic, partitions):
    """OffsetDelete v0 (kafka-python has no class for it): group, [topic, [partition]]."""
    def string(text):
        return struct.pack(">h", len(text)) + text.encode()
    body = string(group) + struct.pack(">i", 1) + string(topic) + struct.pack(">i", len(partitions))
    return body + b"".join(struct.pack(">i", partition) for partition in partitions)


def committed_offsets(connection, probe, group, topic, partitions):
    fetch = encoded(OffsetFetchRequest[1](consumer_group=group, topics=[(topic, partitions)]))
    answer = kafka_probe.call(connection, probe, OFFSET_FETCH, 1, fetch)["body"]
    return {partition["partition_index"]: partition["committed_offset"]
            for partition in answer["topics"][0]["partitions"]}


def test_offsets_and_empty_groups_can_be_deleted(broker, connect, probe):
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "doomed")
    create_topic(broker, "deleting", 2)
    commit = encoded(OffsetCommitRequest[2](
        consumer_group="doomed", consumer_group_generation_id=-1, consumer_id="",
        retention_time=-1, topics=[("deleting", [(0, 5, ""), (1, 6, "")])]))
    kafka_probe.call(connection, probe, OFFSET_COMMIT, 2, commit)

    answer = kafka_probe.call(connection, probe, OFFSET_DELETE, 0,
                              offset_delete_body("doomed", "deleting", [0]))["body"]
    assert answer["error_code"] == NONE
    assert answer["topics"][0]["partitions"] == [{"partition_index": 0, "error_code": NONE}]
    assert committed_offsets(connection, probe, "doomed", "deleting", [0, 1]) == {0: -1, 1: 6}

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        assert admin.delete_consumer_groups(["doomed"]) == [("doomed", kafka.errors.NoError)]
        assert committed_offsets(connection, probe, "doomed", "deleting", [0, 1]) == {0: -1,
                                                                                      1: -1}
        [(group, error)] = admin.delete_consumer_groups(["doomed"])
        assert error.errno == GROUP_ID_NOT_FOUND
    finally:
        admin.close()
    answer = kafka_probe.call(connection, probe, OFFSET_DELETE, 0,
                              offset_delete_body("doomed", "deleting", [1]))["body"]
    assert answer["error_code"] == GROUP_ID_NOT_FOUND
