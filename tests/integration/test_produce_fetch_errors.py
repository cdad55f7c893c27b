"""Kafka's error codes for Produce and Fetch requests the broker cannot serve: a partition
or topic that does not exist, an offset outside the log, a Produce version below 3; and
how the real clients report an offset out of range. The broker's answers are checked in
raw requests, since librdkafka and kafka-python refuse an unknown partition themselves,
before sending anything."""

import confluent_kafka
import kafka
import kafka.errors
import pytest

import kafka_wire
from client_helpers import (TIMEOUT_SECONDS, confluent_consumer, create_topic,
                            kafka_python_consumer)
from kafka_probe import fetch, metadata, produce, topic_id_bytes
from kafka_wire import FIRST_FETCH_VERSION_WITH_TOPIC_IDS, FetchPartition

NONE = 0
OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3
NOT_ENOUGH_REPLICAS = 19
INVALID_REQUIRED_ACKS = 21
UNSUPPORTED_VERSION = 35
UNKNOWN_TOPIC_ID = 100

TOPIC = "errors"
PARTITIONS = 3
RECORDS = 5
PRODUCE_VERSIONS = [3, 7, 8, 9, 10]
FETCH_VERSIONS = [4, 7, 11, 12, 13, 16]
METADATA_VERSION = 12


def produce_errors(connection, probe, version, topic_data):
    """(topic, partition) -> error code of a Produce with acks=all."""
    answer = produce(connection, probe, version, topic_data, acks=-1)
    return {(topic["name"], partition["index"]): partition["error_code"]
            for topic in answer["responses"] for partition in topic["partition_responses"]}


def one_record():
    return kafka_wire.record_batch([(None, b"value")])


@pytest.fixture
def topic_with_records(broker, connect, probe):
    """TOPIC with RECORDS records in partition 0; returns a connection to the broker."""
    create_topic(broker, TOPIC, PARTITIONS)
    connection = connect(broker)
    batch = kafka_wire.record_batch([(None, b"%d" % index) for index in range(RECORDS)])
    assert produce_errors(connection, probe, 8, {TOPIC: {0: batch}}) == {(TOPIC, 0): NONE}
    return connection


@pytest.mark.parametrize("version", PRODUCE_VERSIONS)
def test_produce_to_a_partition_that_does_not_exist_is_unknown_topic_or_partition(
        topic_with_records, probe, version):
    errors = produce_errors(topic_with_records, probe, version,
                            {TOPIC: {PARTITIONS: one_record(), -1: one_record(),
                                     1: one_record()}})
    assert errors == {(TOPIC, PARTITIONS): UNKNOWN_TOPIC_OR_PARTITION,
                      (TOPIC, -1): UNKNOWN_TOPIC_OR_PARTITION,
                      (TOPIC, 1): NONE}


def test_produce_to_an_unknown_topic_without_auto_creation_is_unknown_topic_or_partition(
        start_broker, connect, probe):
    broker = start_broker({"auto.create.topics.enable": False})
    connection = connect(broker)
    for version in PRODUCE_VERSIONS:
        errors = produce_errors(connection, probe, version, {"ghost": {0: one_record()}})
        assert errors == {("ghost", 0): UNKNOWN_TOPIC_OR_PARTITION}, f"v{version}"


@pytest.mark.parametrize("version", [0, 1, 2])
def test_produce_below_v3_is_advertised_but_unsupported_version(topic_with_records, probe,
                                                                version):
    # Kafka 4 advertises Produce v0-2 for old librdkafka (KAFKA-18659) but serves v3+.
    errors = produce_errors(topic_with_records, probe, version, {TOPIC: {0: one_record()}})
    assert errors == {(TOPIC, 0): UNSUPPORTED_VERSION}


def test_acks_all_needs_min_insync_replicas_in_sync(broker, connect, probe):
    # One node: the ISR is this node alone, so min.insync.replicas=2 refuses acks=all
    # before appending, and acks=1 is still served (Kafka's rule).
    create_topic(broker, "guarded", 1, config={"min.insync.replicas": "2"})
    connection = connect(broker)
    refused = produce(connection, probe, 8, {"guarded": {0: one_record()}}, acks=-1)
    [[answer]] = [topic["partition_responses"] for topic in refused["responses"]]
    assert answer["error_code"] == NOT_ENOUGH_REPLICAS
    served = produce(connection, probe, 8, {"guarded": {0: one_record()}}, acks=1)
    [[answer]] = [topic["partition_responses"] for topic in served["responses"]]
    assert (answer["error_code"], answer["base_offset"]) == (NONE, 0)


def test_produce_with_acks_other_than_0_1_all_is_invalid_required_acks(topic_with_records,
                                                                      probe):
    answer = produce(topic_with_records, probe, 8, {TOPIC: {0: one_record()}}, acks=2)
    [[partition]] = [topic["partition_responses"] for topic in answer["responses"]]
    assert partition["error_code"] == INVALID_REQUIRED_ACKS


def topic_key(connection, probe, version):
    if version < FIRST_FETCH_VERSION_WITH_TOPIC_IDS:
        return TOPIC
    [described] = metadata(connection, probe, METADATA_VERSION, topics=[TOPIC])["topics"]
    return topic_id_bytes(described["topic_id"])


def fetch_partitions(connection, probe, version, topic, offsets):
    """partition -> (error code, high watermark, records hex) of a sessionless Fetch."""
    answer = fetch(connection, probe, version,
                   [(topic, [FetchPartition(partition, offset)
                             for partition, offset in offsets.items()])])
    assert answer["error_code"] == NONE
    return {partition["partition_index"]: (partition["error_code"], partition["high_watermark"],
                                           partition["records"] or "")
            for entry in answer["responses"] for partition in entry["partitions"]}


@pytest.mark.parametrize("version", FETCH_VERSIONS)
def test_fetch_outside_the_log_is_offset_out_of_range(topic_with_records, probe, version):
    topic = topic_key(topic_with_records, probe, version)
    past_end = fetch_partitions(topic_with_records, probe, version, topic, {0: RECORDS + 1})
    assert past_end[0][:2] == (OFFSET_OUT_OF_RANGE, RECORDS)
    negative = fetch_partitions(topic_with_records, probe, version, topic, {0: -1})
    assert negative[0][:2] == (OFFSET_OUT_OF_RANGE, RECORDS)
    # The log end offset itself is in range: nothing yet, no error.
    at_end = fetch_partitions(topic_with_records, probe, version, topic, {0: RECORDS})
    assert at_end == {0: (NONE, RECORDS, "")}


@pytest.mark.parametrize("version", [4, 11, 12])
def test_fetch_of_a_partition_that_does_not_exist_is_unknown_topic_or_partition(
        topic_with_records, probe, version):
    answers = fetch_partitions(topic_with_records, probe, version, TOPIC,
                               {PARTITIONS: 0, 0: 0})
    assert answers[PARTITIONS][0] == UNKNOWN_TOPIC_OR_PARTITION
    assert answers[0][0] == NONE
    unknown_topic = fetch_partitions(topic_with_records, probe, version, "ghost", {0: 0})
    assert unknown_topic[0][0] == UNKNOWN_TOPIC_OR_PARTITION


@pytest.mark.parametrize("version", [13, 16])
def test_fetch_of_an_unknown_topic_id_is_unknown_topic_id(topic_with_records, probe, version):
    answers = fetch_partitions(topic_with_records, probe, version, bytes(range(16)), {0: 0})
    assert answers[0][0] == UNKNOWN_TOPIC_ID


def test_confluent_kafka_without_offset_reset_reports_offset_out_of_range(
        broker, topic_with_records):
    consumer = confluent_consumer(broker, {"auto.offset.reset": "error"})
    try:
        consumer.assign([confluent_kafka.TopicPartition(TOPIC, 0, RECORDS + 10)])
        [message] = consumer.consume(1, TIMEOUT_SECONDS)
        error = message.error()
        assert error is not None
        assert error.code() == confluent_kafka.KafkaError._AUTO_OFFSET_RESET
        assert "Offset out of range" in error.str()
    finally:
        consumer.close()


def test_kafka_python_without_offset_reset_raises_offset_out_of_range(broker,
                                                                      topic_with_records):
    consumer = kafka_python_consumer(broker, auto_offset_reset="none")
    try:
        assigned = kafka.TopicPartition(TOPIC, 0)
        consumer.assign([assigned])
        consumer.seek(assigned, RECORDS + 10)
        with pytest.raises(kafka.errors.OffsetOutOfRangeError):
            for _ in range(TIMEOUT_SECONDS):
                consumer.poll(timeout_ms=1000)
    finally:
        consumer.close()
