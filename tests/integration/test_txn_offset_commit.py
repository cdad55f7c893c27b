"""TxnOffsetCommit on the wire against the real broker: a transactional producer's offsets
are written to __consumer_offsets but stay invisible to OffsetFetch until the transaction's
COMMIT marker (OffsetFetch v7+ with require_stable answers UNSTABLE_OFFSET_COMMIT for them
meanwhile), and they are still pending after a restart (the coordinator replays the
transactional batch and finds no marker). The markers themselves come from the transaction
coordinator; their replay is covered by the coordinator's unit tests.

Bodies are encoded by hand (kafka-python 2.0.2 has no TxnOffsetCommit); responses are decoded
with Samsa's own codecs (tools/protocol_probe)."""

import time

import kafka_probe
from kafka.protocol.commit import GroupCoordinatorRequest, OffsetCommitRequest, OffsetFetchRequest
from kafka_wire import array, boolean, int16, int32, int64, string, tagged_fields

from client_helpers import TIMEOUT_SECONDS, create_topic

OFFSET_COMMIT, OFFSET_FETCH, FIND_COORDINATOR, TXN_OFFSET_COMMIT = 8, 9, 10, 28
NONE = 0
COORDINATOR_NOT_AVAILABLE = 15
UNKNOWN_TOPIC_OR_PARTITION = 3
ILLEGAL_GENERATION = 22
INVALID_GROUP_ID = 24
UNSTABLE_OFFSET_COMMIT = 88


def encoded(request):
    """kafka-python's encode() holds its instance weakly: keep it in a variable meanwhile."""
    return request.encode()


def wait_for_coordinator(connection, probe, group):
    """Asks until the coordinator is known (the first ask creates __consumer_offsets)."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        body = encoded(GroupCoordinatorRequest[0](consumer_group=group))
        answer = kafka_probe.call(connection, probe, FIND_COORDINATOR, 0, body)["body"]
        if answer["error_code"] == NONE:
            return
        assert answer["error_code"] == COORDINATOR_NOT_AVAILABLE, answer
        assert time.monotonic() < deadline, "no coordinator"
        time.sleep(0.1)


def txn_offset_commit_v0(group, producer_id, epoch, topics):
    """TxnOffsetCommit v0: topics is {name: [(partition, offset, metadata)]}."""
    encoded_topics = [
        string(name) + array([int32(partition) + int64(offset) + string(metadata)
                              for partition, offset, metadata in partitions])
        for name, partitions in topics.items()]
    return (string("txn-id") + string(group) + int64(producer_id) + int16(epoch)
            + array(encoded_topics))


def txn_offset_commit_v3(group, producer_id, epoch, generation, member, topics):
    """TxnOffsetCommit v3 (flexible): adds the generation, member id and group instance id."""
    encoded_topics = [
        string(name, compact=True) + array(
            [int32(partition) + int64(offset) + int32(-1) + string(metadata, compact=True)
             + tagged_fields() for partition, offset, metadata in partitions], compact=True)
        + tagged_fields()
        for name, partitions in topics.items()]
    return (string("txn-id", compact=True) + string(group, compact=True) + int64(producer_id)
            + int16(epoch) + int32(generation) + string(member, compact=True)
            + string(None, compact=True) + array(encoded_topics, compact=True) + tagged_fields())


def errors_of(answer):
    return {(topic["name"], partition["partition_index"]): partition["error_code"]
            for topic in answer["topics"] for partition in topic["partitions"]}


def fetch_v1(connection, probe, group, topic, partitions):
    fetch = encoded(OffsetFetchRequest[1](consumer_group=group, topics=[(topic, partitions)]))
    answer = kafka_probe.call(connection, probe, OFFSET_FETCH, 1, fetch)["body"]
    return {partition["partition_index"]: partition["committed_offset"]
            for partition in answer["topics"][0]["partitions"]}


def fetch_v7(connection, probe, group, topic, partitions, require_stable):
    """OffsetFetch v7 (flexible, with require_stable): {partition: (offset, error)}."""
    body = (string(group, compact=True)
            + array([string(topic, compact=True)
                     + array([int32(p) for p in partitions], compact=True) + tagged_fields()],
                    compact=True)
            + boolean(require_stable) + tagged_fields())
    answer = kafka_probe.call(connection, probe, OFFSET_FETCH, 7, body, header_version=2)["body"]
    assert answer["error_code"] == NONE
    return {partition["partition_index"]: (partition["committed_offset"],
                                           partition["error_code"])
            for partition in answer["topics"][0]["partitions"]}


def test_transactional_offsets_stay_pending_until_the_marker_also_after_a_restart(
        broker, connect, probe):
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "exactly-once")
    create_topic(broker, "txn-input", 2)
    commit = encoded(OffsetCommitRequest[2](
        consumer_group="exactly-once", consumer_group_generation_id=-1, consumer_id="",
        retention_time=-1, topics=[("txn-input", [(0, 5, "")])]))
    kafka_probe.call(connection, probe, OFFSET_COMMIT, 2, commit)

    body = txn_offset_commit_v0("exactly-once", 1000, 0,
                                {"txn-input": [(0, 9, "t"), (1, 3, None)],
                                 "missing": [(0, 1, "")]})
    answer = kafka_probe.call(connection, probe, TXN_OFFSET_COMMIT, 0, body)["body"]
    assert errors_of(answer) == {("txn-input", 0): NONE, ("txn-input", 1): NONE,
                                 ("missing", 0): UNKNOWN_TOPIC_OR_PARTITION}

    for attempt in ("before the restart", "after the restart"):
        # Without require_stable: the last committed offsets, not the transaction's.
        assert fetch_v1(connection, probe, "exactly-once", "txn-input", [0, 1]) == {
            0: 5, 1: -1}, attempt
        assert fetch_v7(connection, probe, "exactly-once", "txn-input", [0, 1], False) == {
            0: (5, NONE), 1: (-1, NONE)}, attempt
        assert fetch_v7(connection, probe, "exactly-once", "txn-input", [0, 1], True) == {
            0: (-1, UNSTABLE_OFFSET_COMMIT), 1: (-1, UNSTABLE_OFFSET_COMMIT)}, attempt
        if attempt == "before the restart":
            broker.restart()
            connection = connect(broker)
            wait_for_coordinator(connection, probe, "exactly-once")


def test_member_checks_and_bad_group_ids_get_kafkas_errors(broker, connect, probe):
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "txn-checks")
    create_topic(broker, "txn-checked", 1)
    topics = {"txn-checked": [(0, 1, "")]}

    # v3: a generation for a group that does not exist cannot be right.
    body = txn_offset_commit_v3("txn-checks", 1001, 0, 4, "ghost", topics)
    answer = kafka_probe.call(connection, probe, TXN_OFFSET_COMMIT, 3, body)["body"]
    assert errors_of(answer) == {("txn-checked", 0): ILLEGAL_GENERATION}

    body = txn_offset_commit_v0("", 1001, 0, topics)
    answer = kafka_probe.call(connection, probe, TXN_OFFSET_COMMIT, 0, body)["body"]
    assert errors_of(answer) == {("txn-checked", 0): INVALID_GROUP_ID}

    # v3 without member fields (generation -1, no member) commits, as before v3.
    body = txn_offset_commit_v3("txn-checks", 1001, 0, -1, "", topics)
    answer = kafka_probe.call(connection, probe, TXN_OFFSET_COMMIT, 3, body)["body"]
    assert errors_of(answer) == {("txn-checked", 0): NONE}
