"""Fetch sessions (KIP-227, docs/fetch-sessions.md) in raw Fetch requests, since neither
librdkafka 2.0.2 nor kafka-python uses them: a full fetch (epoch 0) creates a session,
an incremental one (its id, the next epoch) lists only the partitions with news, and a
wrong epoch or an unknown id is refused with the top-level error, session id 0 and no
partitions. Every test runs in the first session version (7), the last non-flexible (11),
the first flexible (12), the first naming topics by id (13) and the newest (16)."""

import threading
import time

import pytest

import kafka_wire
from client_helpers import create_topic
from kafka_probe import fetch, fetched_records, metadata, topic_id_bytes
from kafka_wire import FIRST_FETCH_VERSION_WITH_TOPIC_IDS, FetchPartition

VERSIONS = [7, 11, 12, 13, 16]
TOPIC = "sessions"
PARTITIONS = 2
INITIAL_RECORDS = 3
PRODUCE_VERSION = 8
METADATA_VERSION = 12

NONE = 0
FETCH_SESSION_ID_NOT_FOUND = 70
INVALID_FETCH_SESSION_EPOCH = 71
FETCH_SESSION_TOPIC_ID_ERROR = 106
FULL_EPOCH = 0
SESSIONLESS_EPOCH = -1
LONG_POLL_WAIT_MS = 8000
PRODUCE_AFTER_SECONDS = 0.5


class SessionClient:
    """One connection fetching the test topic, named as `version` names topics."""

    def __init__(self, broker, connect, probe, version, connection=None):
        self.broker, self.connect, self.probe, self.version = broker, connect, probe, version
        self.connection = connection or connect(broker)
        # How requests name the topic, and how the probe prints the name responses carry.
        self.topic = self.printed_topic = TOPIC
        if version >= FIRST_FETCH_VERSION_WITH_TOPIC_IDS:
            [described] = metadata(self.connection, probe, METADATA_VERSION, topics=[TOPIC])[
                "topics"]
            self.topic = topic_id_bytes(described["topic_id"])
            self.printed_topic = described["topic_id"]

    def produce_frame(self, partition, value):
        """Appends one record (acks=all) on a connection of its own; returns the response
        frame undecoded (the probe serves one thread at a time)."""
        body = kafka_wire.produce_request(
            PRODUCE_VERSION, {TOPIC: {partition: kafka_wire.record_batch([(None, value)])}},
            acks=-1)
        return self.connect(self.broker).request(kafka_wire.PRODUCE, PRODUCE_VERSION, body)

    def assert_produced(self, frame):
        answer = self.probe.decode_response(kafka_wire.PRODUCE, PRODUCE_VERSION, frame)["body"]
        assert answer["responses"][0]["partition_responses"][0]["error_code"] == NONE

    def produce(self, partition, value):
        self.assert_produced(self.produce_frame(partition, value))

    def fetch(self, offsets, session_id, session_epoch, forgotten=(), **options):
        """Fetch of {partition: fetch offset} (an incremental fetch names only what changed)."""
        topics = []
        if offsets:
            topics = [(self.topic, [FetchPartition(partition, offset)
                                    for partition, offset in offsets.items()])]
        forgotten_topics = [(self.topic, list(forgotten))] if forgotten else []
        return fetch(self.connection, self.probe, self.version, topics, session_id=session_id,
                     session_epoch=session_epoch, forgotten_topics=forgotten_topics,
                     **options)

    def full(self, offsets):
        answer = self.fetch(offsets, 0, FULL_EPOCH)
        assert answer["error_code"] == NONE
        assert answer["session_id"] > 0, "a full fetch gets a session"
        return answer

    def incremental(self, session_id, epoch, offsets=None, **options):
        return self.fetch(offsets or {}, session_id, epoch, **options)

    def listed(self, answer):
        """partition -> (error code, high watermark, [values]) of every partition listed."""
        key = "topic_id" if self.version >= FIRST_FETCH_VERSION_WITH_TOPIC_IDS else "topic"
        assert all(topic[key] == self.printed_topic for topic in answer["responses"])
        return listed_partitions(answer)


def listed_partitions(answer):
    """partition -> (error code, high watermark, [values]), whatever the topic."""
    result = {}
    for topic in answer["responses"]:
        for partition in topic["partitions"]:
            values = [value for _, _, value, _ in fetched_records(partition)]
            result[partition["partition_index"]] = (partition["error_code"],
                                                    partition["high_watermark"], values)
    return result


def assert_refused(answer, error_code):
    assert (answer["error_code"], answer["session_id"], answer["responses"]) == (
        error_code, 0, [])


@pytest.fixture
def client(broker, connect, probe, request):
    create_topic(broker, TOPIC, PARTITIONS)
    setup = SessionClient(broker, connect, probe, request.param)
    for partition in range(PARTITIONS):
        for index in range(INITIAL_RECORDS):
            setup.produce(partition, b"p%d-%d" % (partition, index))
    return setup


AT_START = {partition: 0 for partition in range(PARTITIONS)}
AT_END = {partition: INITIAL_RECORDS for partition in range(PARTITIONS)}


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_full_fetch_creates_a_session_and_lists_every_partition(client):
    answer = client.full(AT_START)
    assert client.listed(answer) == {
        partition: (NONE, INITIAL_RECORDS, [b"p%d-%d" % (partition, index)
                                             for index in range(INITIAL_RECORDS)])
        for partition in range(PARTITIONS)}


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_sessionless_fetch_gets_no_session(client):
    answer = client.fetch(AT_END, 0, SESSIONLESS_EPOCH)
    assert (answer["error_code"], answer["session_id"]) == (NONE, 0)
    assert client.listed(answer) == {partition: (NONE, INITIAL_RECORDS, [])
                              for partition in range(PARTITIONS)}


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_incremental_fetch_lists_only_partitions_that_changed(client):
    session_id = client.full(AT_END)["session_id"]
    unchanged = client.incremental(session_id, 1)
    assert (unchanged["error_code"], unchanged["session_id"]) == (NONE, session_id)
    assert client.listed(unchanged) == {}

    client.produce(1, b"news")
    changed = client.incremental(session_id, 2)
    assert (changed["error_code"], changed["session_id"]) == (NONE, session_id)
    assert client.listed(changed) == {1: (NONE, INITIAL_RECORDS + 1, [b"news"])}

    # The client moves its fetch offset past the record: nothing new to list.
    caught_up = client.incremental(session_id, 3, {1: INITIAL_RECORDS + 1})
    assert (caught_up["error_code"], caught_up["session_id"]) == (NONE, session_id)
    assert client.listed(caught_up) == {}


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_forgotten_partitions_leave_the_session(client):
    session_id = client.full(AT_END)["session_id"]
    answer = client.incremental(session_id, 1, forgotten=[1])
    assert (answer["error_code"], client.listed(answer)) == (NONE, {})
    client.produce(0, b"kept")
    client.produce(1, b"forgotten")
    answer = client.incremental(session_id, 2)
    assert (answer["error_code"], answer["session_id"]) == (NONE, session_id)
    assert client.listed(answer) == {0: (NONE, INITIAL_RECORDS + 1, [b"kept"])}


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_wrong_epoch_is_invalid_fetch_session_epoch_and_keeps_the_session(client):
    session_id = client.full(AT_END)["session_id"]
    assert_refused(client.incremental(session_id, 2), INVALID_FETCH_SESSION_EPOCH)
    answer = client.incremental(session_id, 1)
    assert (answer["error_code"], answer["session_id"]) == (NONE, session_id)
    # An epoch already used (a duplicate request) is just as wrong.
    assert_refused(client.incremental(session_id, 1), INVALID_FETCH_SESSION_EPOCH)


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_unknown_session_id_is_fetch_session_id_not_found(client):
    session_id = client.full(AT_END)["session_id"]
    unknown = session_id + 1 if session_id < 2**31 - 1 else session_id - 1
    assert_refused(client.incremental(unknown, 1), FETCH_SESSION_ID_NOT_FOUND)


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_epoch_minus_one_closes_the_session_and_is_served_sessionless(client):
    session_id = client.full(AT_END)["session_id"]
    answer = client.fetch(AT_START, session_id, SESSIONLESS_EPOCH)
    assert (answer["error_code"], answer["session_id"]) == (NONE, 0)
    assert set(client.listed(answer)) == set(range(PARTITIONS))
    assert_refused(client.incremental(session_id, 1), FETCH_SESSION_ID_NOT_FOUND)


@pytest.mark.parametrize("client", VERSIONS, indirect=True)
def test_incremental_fetch_waits_for_a_record_produced_meanwhile(client):
    session_id = client.full(AT_END)["session_id"]

    produced = []

    def produce_later():
        time.sleep(PRODUCE_AFTER_SECONDS)
        produced.append(client.produce_frame(0, b"late"))

    thread = threading.Thread(target=produce_later, daemon=True)
    thread.start()
    answer = client.incremental(session_id, 1, max_wait_ms=LONG_POLL_WAIT_MS, min_bytes=1,
                                timeout_seconds=LONG_POLL_WAIT_MS / 1000 + 30)
    thread.join()
    client.assert_produced(produced[0])
    assert (answer["error_code"], answer["session_id"]) == (NONE, session_id)
    assert client.listed(answer) == {0: (NONE, INITIAL_RECORDS + 1, [b"late"])}


@pytest.mark.parametrize("client, other_version", [(12, 13), (13, 12)], indirect=["client"])
def test_a_session_refuses_topics_named_the_other_way(client, other_version):
    # A session keyed by names (before v13) or by topic ids (v13+) takes only its kind.
    session_id = client.full(AT_END)["session_id"]
    # On the same connection, so that the same shard's cache answers.
    other = SessionClient(client.broker, client.connect, client.probe, other_version,
                          client.connection)
    assert_refused(other.incremental(session_id, 1), FETCH_SESSION_TOPIC_ID_ERROR)
