"""Topic configs that decide what a Produce stores or refuses (docs/produce-validation.md):
compression.type re-encodes batches into the topic's codec, message.timestamp.type=
LogAppendTime stamps the broker's clock, message.timestamp.before/after.max.ms bound a
CreateTime record's timestamp, max.message.bytes bounds a batch, cleanup.policy=compact
refuses records without a key; and CreateTopics refuses an invalid config value.

What is stored is read from the segment files through the protocol probe; refusals are
checked in raw Produce requests (v8+ name the refused records in record_errors) and with
the real clients. Timestamps are compared with the test's clock within a generous window
(the broker runs on the same host); nothing here measures how long anything takes."""

import os
import re
import time

import confluent_kafka
import kafka
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.record.default_records import DefaultRecordBatch

import kafka_wire
from client_helpers import TIMEOUT_SECONDS, confluent_producer, confluent_read, create_topic
from kafka_probe import produce, stored_batches

NONE = 0
MESSAGE_TOO_LARGE = 10
INVALID_TIMESTAMP = 32
INVALID_RECORD = 87

# Produce v8 added record_errors and error_message; v9 is the first flexible version.
RECORD_ERROR_VERSIONS = [8, 9, 10]
MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# Broker and test read the same host clock; the window only absorbs a slow machine.
CLOCK_WINDOW_MS = 10 * MINUTE_MS
# Kafka's default message.timestamp.after.max.ms (docs/configuration.md); before.max.ms
# defaults to Long.MAX_VALUE, so no past timestamp is refused by default.
DEFAULT_AFTER_MAX_MS = HOUR_MS
TIMESTAMP_RANGE = re.compile(r"The timestamp should be within \[(-?\d+), (-?\d+)\]")
CLIENT_RECORDS = 300


def now_ms():
    return int(time.time() * 1000)


def assert_near_now(timestamp_ms):
    assert abs(timestamp_ms - now_ms()) <= CLOCK_WINDOW_MS, (
        f"timestamp {timestamp_ms} is not within {CLOCK_WINDOW_MS} ms of now ({now_ms()})")


def produce_batch(connection, probe, version, topic, batch):
    """The answer for partition 0 of an acks=all Produce of one batch to it."""
    answer = produce(connection, probe, version, {topic: {0: batch}}, acks=-1)
    [[partition]] = [entry["partition_responses"] for entry in answer["responses"]]
    return partition


def stored(broker, probe, topic, partition=0):
    return stored_batches(probe, broker.data_dir / f"{topic}-{partition}")


def assert_accepted_at(answer, base_offset):
    assert (answer["error_code"], answer["base_offset"]) == (NONE, base_offset), answer


def kafka_python_produce(broker, topic, records, codec):
    """Produces (key, value, headers, timestamp_ms) with kafka-python, which compresses
    every batch with `codec` ("none": uncompressed), and waits for every acknowledgement."""
    producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                   linger_ms=20,
                                   compression_type=None if codec == "none" else codec)
    try:
        futures = [producer.send(topic, key=key, value=value, headers=headers,
                                 timestamp_ms=timestamp_ms)
                   for key, value, headers, timestamp_ms in records]
        producer.flush(timeout=TIMEOUT_SECONDS)
        for future in futures:
            future.get(timeout=TIMEOUT_SECONDS)
    finally:
        producer.close(timeout=TIMEOUT_SECONDS)


def client_records(count, first_timestamp_ms):
    """(key, value, headers, timestamp_ms): compressible values, one header, distinct
    timestamps a millisecond apart."""
    return [(b"key-%d" % (index % 7), b"value %d " % index * 20, [("index", b"%d" % index)],
             first_timestamp_ms + index)
            for index in range(count)]


def consumed(broker, topic, count):
    """(offset, key, value, headers, (timestamp type, timestamp)) as confluent-kafka reads
    partition 0 from offset 0."""
    return [(message.offset(), message.key(), message.value(), message.headers(),
             message.timestamp())
            for message in confluent_read(broker, topic, 0, 0, count)]


# ---------------------------------------------------------------------------------------
# compression.type
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic_codec, producer_codec, stored_codec", [
    ("gzip", "none", "gzip"),
    ("gzip", "lz4", "gzip"),
    ("zstd", "none", "zstd"),
    ("zstd", "lz4", "zstd"),
    ("uncompressed", "lz4", "none"),
])
def test_batches_are_stored_in_the_topics_compression_type_and_consumed_unchanged(
        broker, probe, topic_codec, producer_codec, stored_codec):
    topic = f"{topic_codec}-from-{producer_codec}"
    create_topic(broker, topic, 1, {"compression.type": topic_codec})
    records = client_records(CLIENT_RECORDS, now_ms() - HOUR_MS)
    kafka_python_produce(broker, topic, records, producer_codec)

    batches = stored(broker, probe, topic)
    assert {batch["codec"] for batch in batches} == {stored_codec}
    assert sum(batch["record_count"] for batch in batches) == len(records)
    # Re-encoding keeps each record's key, value, headers and CreateTime timestamp.
    assert consumed(broker, topic, len(records)) == [
        (offset, key, value, headers, (confluent_kafka.TIMESTAMP_CREATE_TIME, timestamp_ms))
        for offset, (key, value, headers, timestamp_ms) in enumerate(records)]


@pytest.mark.parametrize("topic_config", [None, {"compression.type": "producer"}],
                         ids=["default", "producer"])
def test_compression_type_producer_stores_the_producers_codec(broker, probe, topic_config):
    create_topic(broker, "as-sent", 1, topic_config)
    records = client_records(CLIENT_RECORDS, now_ms() - HOUR_MS)
    kafka_python_produce(broker, "as-sent", records, "lz4")

    batches = stored(broker, probe, "as-sent")
    assert {batch["codec"] for batch in batches} == {"lz4"}
    assert sum(batch["record_count"] for batch in batches) == len(records)
    assert [entry[:3] for entry in consumed(broker, "as-sent", len(records))] == [
        (offset, key, value) for offset, (key, value, _, _) in enumerate(records)]


# ---------------------------------------------------------------------------------------
# message.timestamp.type=LogAppendTime
# ---------------------------------------------------------------------------------------


class TimestampReports:
    """confluent-kafka delivery reports: (offset, (timestamp type, timestamp)) and errors."""

    def __init__(self):
        self.acknowledged = []
        self.errors = []

    def __call__(self, error, message):
        if error is None:
            self.acknowledged.append((message.offset(), message.timestamp()))
        else:
            self.errors.append(error)


def test_log_append_time_topic_gives_consumers_the_brokers_clock_not_the_producers(
        broker, probe):
    create_topic(broker, "appended", 1, {"message.timestamp.type": "LogAppendTime"})
    day_ago_ms = now_ms() - DAY_MS
    producer = confluent_producer(broker, {"linger.ms": 20})
    reports = TimestampReports()
    for index in range(CLIENT_RECORDS):
        producer.produce("appended", key=b"key-%d" % index, value=b"value-%d" % index,
                         timestamp=day_ago_ms, on_delivery=reports)
        producer.poll(0)
    assert producer.flush(TIMEOUT_SECONDS) == 0, "messages left undelivered"
    assert reports.errors == []

    messages = confluent_read(broker, "appended", 0, 0, CLIENT_RECORDS)
    assert [(message.key(), message.value()) for message in messages] == [
        (b"key-%d" % index, b"value-%d" % index) for index in range(CLIENT_RECORDS)]
    for message in messages:
        timestamp_type, timestamp_ms = message.timestamp()
        assert timestamp_type == confluent_kafka.TIMESTAMP_LOG_APPEND_TIME, message.offset()
        assert_near_now(timestamp_ms)
    # librdkafka takes the delivery report's timestamp from log_append_time_ms.
    assert sorted(reports.acknowledged) == [(message.offset(), message.timestamp())
                                            for message in messages]
    for batch in stored(broker, probe, "appended"):
        assert batch["timestamp_type"] == "log_append_time", batch["base_offset"]


@pytest.mark.parametrize("version", [3, 8, 10])
def test_produce_answers_the_log_append_time_the_batch_is_stored_with(broker, connect, probe,
                                                                     version):
    create_topic(broker, "appended", 1, {"message.timestamp.type": "LogAppendTime"})
    create_topic(broker, "created", 1)
    connection = connect(broker)
    batch = kafka_wire.record_batch([(b"a", b"first"), (b"b", b"second")],
                                    base_timestamp_ms=now_ms() - DAY_MS)

    answer = produce_batch(connection, probe, version, "appended", batch)
    assert_accepted_at(answer, 0)
    appended_at_ms = answer["log_append_time_ms"]
    assert appended_at_ms != -1
    assert_near_now(appended_at_ms)
    [stored_batch] = stored(broker, probe, "appended")
    assert (stored_batch["timestamp_type"], stored_batch["max_timestamp"]) == (
        "log_append_time", appended_at_ms)
    assert [message.timestamp() for message in confluent_read(broker, "appended", 0, 0, 2)] == [
        (confluent_kafka.TIMESTAMP_LOG_APPEND_TIME, appended_at_ms)] * 2

    # A CreateTime topic keeps the producer's timestamps and answers -1.
    answer = produce_batch(connection, probe, version, "created", batch)
    assert_accepted_at(answer, 0)
    assert answer["log_append_time_ms"] == -1


def test_log_append_time_topic_does_not_check_the_producers_timestamps(broker, connect, probe):
    create_topic(broker, "appended", 1, {"message.timestamp.type": "LogAppendTime",
                                         "message.timestamp.before.max.ms": str(MINUTE_MS),
                                         "message.timestamp.after.max.ms": str(MINUTE_MS)})
    now = now_ms()
    batch = kafka_wire.record_batch([(None, b"old"), (None, b"new")],
                                    timestamps_ms=[now - DAY_MS, now + DAY_MS])
    assert_accepted_at(produce_batch(connect(broker), probe, 8, "appended", batch), 0)


# ---------------------------------------------------------------------------------------
# message.timestamp.before.max.ms / after.max.ms
# ---------------------------------------------------------------------------------------


def timestamp_errors(answer):
    """[(record index, timestamp named, (lowest, highest) allowed)] of an INVALID_TIMESTAMP
    answer, checking Kafka's wording."""
    assert answer["error_code"] == INVALID_TIMESTAMP, answer
    assert answer["error_message"] == (
        "One or more records have been rejected due to invalid timestamp")
    errors = []
    for error in answer["record_errors"]:
        index, message = error["batch_index"], error["batch_index_error_message"]
        named = re.match(rf"Timestamp (-?\d+) of message with offset {index} is out of range\. ",
                         message)
        bounds = TIMESTAMP_RANGE.search(message)
        assert named and bounds, message
        errors.append((index, int(named[1]), (int(bounds[1]), int(bounds[2]))))
    return errors


@pytest.mark.parametrize("version", RECORD_ERROR_VERSIONS)
def test_records_past_message_timestamp_after_max_ms_are_invalid_timestamp_by_index(
        broker, connect, probe, version):
    create_topic(broker, "strict", 1, {"message.timestamp.after.max.ms": str(MINUTE_MS)})
    connection = connect(broker)
    now = now_ms()
    future = now + DAY_MS
    batch = kafka_wire.record_batch([(None, b"%d" % index) for index in range(4)],
                                    timestamps_ms=[now, future, now, future + 1])

    errors = timestamp_errors(produce_batch(connection, probe, version, "strict", batch))
    assert [(index, named) for index, named, _ in errors] == [(1, future), (3, future + 1)]
    for _, _, (_, highest) in errors:
        assert_near_now(highest - MINUTE_MS)
    # Nothing of the refused batch was appended.
    accepted = kafka_wire.record_batch([(None, b"now")], base_timestamp_ms=now_ms())
    assert_accepted_at(produce_batch(connection, probe, version, "strict", accepted), 0)


@pytest.mark.parametrize("version", RECORD_ERROR_VERSIONS)
def test_records_past_message_timestamp_before_max_ms_are_invalid_timestamp_by_index(
        broker, connect, probe, version):
    create_topic(broker, "strict", 1, {"message.timestamp.before.max.ms": str(MINUTE_MS)})
    connection = connect(broker)
    now = now_ms()
    batch = kafka_wire.record_batch([(None, b"now"), (None, b"old")],
                                    timestamps_ms=[now, now - DAY_MS])

    [(index, named, (lowest, _))] = timestamp_errors(
        produce_batch(connection, probe, version, "strict", batch))
    assert (index, named) == (1, now - DAY_MS)
    assert_near_now(lowest + MINUTE_MS)
    accepted = kafka_wire.record_batch([(None, b"now")], base_timestamp_ms=now_ms())
    assert_accepted_at(produce_batch(connection, probe, version, "strict", accepted), 0)


def test_default_topic_accepts_any_past_timestamp_and_up_to_an_hour_ahead(broker, connect,
                                                                         probe):
    create_topic(broker, "defaults", 1)
    connection = connect(broker)
    now = now_ms()
    year_2001_ms = 1_000_000_000_000
    accepted = kafka_wire.record_batch(
        [(None, b"ahead"), (None, b"2001"), (None, b"now")],
        timestamps_ms=[now + DEFAULT_AFTER_MAX_MS - CLOCK_WINDOW_MS, year_2001_ms, now])
    assert_accepted_at(produce_batch(connection, probe, 8, "defaults", accepted), 0)

    too_far = now_ms() + DEFAULT_AFTER_MAX_MS + CLOCK_WINDOW_MS
    refused = kafka_wire.record_batch([(None, b"too far ahead")], base_timestamp_ms=too_far)
    [(index, named, (_, highest))] = timestamp_errors(
        produce_batch(connection, probe, 8, "defaults", refused))
    assert (index, named) == (0, too_far)
    assert_near_now(highest - DEFAULT_AFTER_MAX_MS)


def test_records_without_a_timestamp_are_never_out_of_range(broker, connect, probe):
    # -1 is Kafka's NO_TIMESTAMP, which the range check skips.
    create_topic(broker, "strict", 1, {"message.timestamp.before.max.ms": "0",
                                       "message.timestamp.after.max.ms": "0"})
    batch = kafka_wire.record_batch([(None, b"a"), (None, b"b")], base_timestamp_ms=-1)
    assert_accepted_at(produce_batch(connect(broker), probe, 8, "strict", batch), 0)


# ---------------------------------------------------------------------------------------
# max.message.bytes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [3, 8, 10])
def test_a_batch_larger_than_max_message_bytes_is_message_too_large(broker, connect, probe,
                                                                   version):
    # The limit is on the whole batch as sent, its 12-byte offset and length prefix included.
    batch = kafka_wire.record_batch([(None, os.urandom(1000)) for _ in range(3)])
    create_topic(broker, "exact", 1, {"max.message.bytes": str(len(batch))})
    create_topic(broker, "one-short", 1, {"max.message.bytes": str(len(batch) - 1)})
    connection = connect(broker)

    refused = produce_batch(connection, probe, version, "one-short", batch)
    assert refused["error_code"] == MESSAGE_TOO_LARGE
    if version >= 8:
        # Not a record-level refusal: Kafka answers it without a message.
        assert (refused["record_errors"], refused["error_message"]) == ([], None)
    assert stored(broker, probe, "one-short") == []

    assert_accepted_at(produce_batch(connection, probe, version, "exact", batch), 0)
    [stored_batch] = stored(broker, probe, "exact")
    assert stored_batch["record_count"] == 3


def test_a_batch_too_large_once_re_encoded_for_the_topic_is_message_too_large(
        broker, connect, probe):
    # 4000 zero bytes gzip to a few dozen; uncompressed they exceed the topic's limit.
    batch = kafka_wire.record_batch([(None, bytes(1000)) for _ in range(4)],
                                    compression_type=DefaultRecordBatch.CODEC_GZIP)
    assert len(batch) < 1024
    create_topic(broker, "keeps-gzip", 1, {"max.message.bytes": "2048"})
    create_topic(broker, "uncompressed", 1, {"max.message.bytes": "2048",
                                             "compression.type": "uncompressed"})
    connection = connect(broker)

    assert_accepted_at(produce_batch(connection, probe, 8, "keeps-gzip", batch), 0)
    refused = produce_batch(connection, probe, 8, "uncompressed", batch)
    assert refused["error_code"] == MESSAGE_TOO_LARGE
    assert stored(broker, probe, "uncompressed") == []


# ---------------------------------------------------------------------------------------
# cleanup.policy=compact
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", RECORD_ERROR_VERSIONS)
def test_a_compacted_topic_refuses_records_without_a_key_by_index(broker, connect, probe,
                                                                 version):
    create_topic(broker, "compacted", 1, {"cleanup.policy": "compact"})
    connection = connect(broker)
    # An empty key is a key; only a null one is refused.
    batch = kafka_wire.record_batch([(b"k", b"0"), (None, b"1"), (b"", b"2"), (None, b"3")])

    answer = produce_batch(connection, probe, version, "compacted", batch)
    assert answer["error_code"] == INVALID_RECORD
    assert [error["batch_index"] for error in answer["record_errors"]] == [1, 3]
    for error in answer["record_errors"]:
        assert error["batch_index_error_message"].startswith(
            "Compacted topic cannot accept message without key in topic partition "
            "compacted-0"), error
    assert answer["error_message"].startswith(
        "One or more records have been rejected due to 2 record errors in total, and only "
        "showing the first three errors at most: [RecordError(batchIndex=1, message='"), (
        answer["error_message"])
    assert "RecordError(batchIndex=3, message='" in answer["error_message"]

    keyed = kafka_wire.record_batch([(b"k", b"0"), (b"", b"1")])
    assert_accepted_at(produce_batch(connection, probe, version, "compacted", keyed), 0)


@pytest.mark.parametrize("policy, refused", [("compact,delete", True), ("delete", False)])
def test_only_a_policy_with_compact_requires_keys(broker, connect, probe, policy, refused):
    create_topic(broker, "policy", 1, {"cleanup.policy": policy})
    answer = produce_batch(connect(broker), probe, 8, "policy",
                           kafka_wire.record_batch([(None, b"no key")]))
    assert answer["error_code"] == (INVALID_RECORD if refused else NONE)


def test_confluent_kafka_producer_gets_invalid_record_for_a_record_without_a_key(broker):
    create_topic(broker, "compacted", 1, {"cleanup.policy": "compact"})
    producer = confluent_producer(broker)
    reports = TimestampReports()
    producer.produce("compacted", value=b"no key", on_delivery=reports)
    assert producer.flush(TIMEOUT_SECONDS) == 0, "messages left undelivered"
    assert [error.code() for error in reports.errors] == [confluent_kafka.KafkaError.INVALID_RECORD]

    reports = TimestampReports()
    producer.produce("compacted", key=b"k", value=b"keyed", on_delivery=reports)
    assert producer.flush(TIMEOUT_SECONDS) == 0, "messages left undelivered"
    assert reports.errors == []
    assert [offset for offset, _ in reports.acknowledged] == [0]


# ---------------------------------------------------------------------------------------
# CreateTopics with an invalid config value
# ---------------------------------------------------------------------------------------


def refusal(future):
    """The KafkaError a confluent-kafka admin future failed with. (Caught here rather than
    with pytest.raises, whose traceback would keep the test's admin client alive past the
    broker's shutdown.)"""
    try:
        future.result(timeout=TIMEOUT_SECONDS)
    except confluent_kafka.KafkaException as exception:
        return exception.args[0]
    raise AssertionError("the topic was created")


@pytest.mark.parametrize("key, value, message", [
    # Kafka's messages, as docs/configuration.md quotes them.
    ("retention.ms", "abc", "Invalid value abc for configuration retention.ms: "
                            "Not a number of type LONG"),
    ("cleanup.policy", "forever", "Invalid value forever for configuration cleanup.policy: "
                                  "String must be one of: compact, delete"),
    ("compression.type", "brotli", None),
    ("message.timestamp.type", "WallClockTime", None),
    ("message.timestamp.after.max.ms", "soon", None),
    ("max.message.bytes", "-1", None),
])
def test_create_topics_refuses_an_invalid_config_value_with_invalid_config(broker, key, value,
                                                                          message):
    # confluent-kafka fails an admin future with _DESTROY once its client is collected:
    # `admin` lives for the whole test.
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic("refused", 1, 1, config={key: value}),
                                   NewTopic("fine", 1, 1)])
    error = refusal(futures["refused"])
    assert error.code() == confluent_kafka.KafkaError.INVALID_CONFIG, error
    if message is None:
        assert key in error.str() and value in error.str(), error.str()
    else:
        assert error.str() == message
    # Each topic of the request has its own answer.
    assert futures["fine"].result(timeout=TIMEOUT_SECONDS) is None
    topics = admin.list_topics(timeout=TIMEOUT_SECONDS).topics
    assert "fine" in topics and "refused" not in topics
