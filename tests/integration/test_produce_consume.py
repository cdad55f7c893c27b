"""Produce and Fetch with both real clients, confluent-kafka (librdkafka 2.0.2) and
kafka-python 2.0.2: every acks level, records with headers, null keys, empty and null
values and a 1 MiB value, reading from a chosen offset, and a consumer in a long poll
woken by a record produced while it waits."""

import os
import threading
import time

import confluent_kafka
import kafka
import pytest

from client_helpers import (LARGE_CLIENT_BYTES, LARGE_MESSAGE_TOPIC_CONFIG, TIMEOUT_SECONDS,
                            confluent_consumer, confluent_producer, confluent_read, create_topic,
                            kafka_python_consumer, kafka_python_read, produce_all)

RECORDS = 200
ONE_MIB = 1024 * 1024
# Long enough that the record produced meanwhile must wake the fetch to be seen early;
# the test asserts that the record arrives, not when.
LONG_POLL_WAIT_MS = 5_000
PRODUCE_AFTER_SECONDS = 1.0

CONFLUENT_LARGE_CONSUMER = {"fetch.max.bytes": 2 * LARGE_CLIENT_BYTES,
                            "max.partition.fetch.bytes": LARGE_CLIENT_BYTES,
                            "receive.message.max.bytes": 4 * LARGE_CLIENT_BYTES}
KAFKA_PYTHON_LARGE_CONSUMER = {"fetch_max_bytes": 2 * LARGE_CLIENT_BYTES,
                               "max_partition_fetch_bytes": LARGE_CLIENT_BYTES}


def numbered_values(prefix):
    return [f"{prefix}-{index}".encode() for index in range(RECORDS)]


def produce_later(produce):
    """Runs produce() on a thread after PRODUCE_AFTER_SECONDS; returns the thread."""
    def run():
        time.sleep(PRODUCE_AFTER_SECONDS)
        produce()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------
# confluent-kafka
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_confluent_kafka_produces_with_each_acks_and_reads_back_in_order(broker, acks):
    topic = f"acks-{acks}"
    create_topic(broker, topic)
    values = numbered_values(acks)
    producer = confluent_producer(broker, {"acks": acks, "linger.ms": 5})
    reports = produce_all(producer, topic, [(b"key", value, None) for value in values])
    assert reports.errors == []
    if acks != "0":  # acks=0 gets no offsets back
        assert reports.acknowledged == [(0, offset, value) for offset, value in enumerate(values)]
    messages = confluent_read(broker, topic, 0, 0, RECORDS)
    assert [(message.offset(), message.key(), message.value()) for message in messages] == [
        (offset, b"key", value) for offset, value in enumerate(values)]


def test_confluent_kafka_round_trips_headers_null_keys_empty_values_and_1mib(broker):
    topic = "odd-records"
    create_topic(broker, topic, config=LARGE_MESSAGE_TOPIC_CONFIG)
    sent = [
        (None, b"null key", None),
        (b"k", b"", [("h1", b"v1"), ("h1", b"repeated"), ("empty", b""), ("null", None)]),
        (b"", None, None),
        (b"large", os.urandom(ONE_MIB), [("size", b"1MiB")]),
        (None, None, [("only", b"headers")]),
        (b"\x00\xff binary", bytes(range(256)), [("binary", bytes(range(256)))]),
    ]
    producer = confluent_producer(broker, {"acks": "all", "message.max.bytes": LARGE_CLIENT_BYTES})
    reports = produce_all(producer, topic, sent)
    assert reports.errors == []
    assert [offset for _, offset, _ in reports.acknowledged] == list(range(len(sent)))
    messages = confluent_read(broker, topic, 0, 0, len(sent), CONFLUENT_LARGE_CONSUMER)
    received = [(message.key(), message.value(), message.headers()) for message in messages]
    assert received == sent


def test_confluent_kafka_reads_from_an_assigned_and_a_sought_middle_offset(broker):
    topic = "middle"
    create_topic(broker, topic)
    values = numbered_values("m")
    produce_all(confluent_producer(broker, {"acks": "all"}), topic,
                [(None, value, None) for value in values])
    messages = confluent_read(broker, topic, 0, RECORDS // 2, RECORDS // 2)
    assert [(message.offset(), message.value()) for message in messages] == [
        (offset, values[offset]) for offset in range(RECORDS // 2, RECORDS)]

    consumer = confluent_consumer(broker)
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
        first = consumer.consume(1, TIMEOUT_SECONDS)
        assert [message.offset() for message in first] == [0]
        consumer.seek(confluent_kafka.TopicPartition(topic, 0, 150))
        after_seek = consumer.consume(1, TIMEOUT_SECONDS)
        assert [(message.offset(), message.value()) for message in after_seek] == [
            (150, values[150])]
    finally:
        consumer.close()


def test_confluent_kafka_long_poll_receives_a_record_produced_while_it_waits(broker):
    topic = "long-poll"
    create_topic(broker, topic)
    consumer = confluent_consumer(broker, {"fetch.wait.max.ms": LONG_POLL_WAIT_MS})
    producer = confluent_producer(broker, {"acks": "all"})
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, 0, 0)])
        assert consumer.poll(0.5) is None  # the partition is empty: the fetch waits
        thread = produce_later(lambda: produce_all(producer, topic, [(b"k", b"late", None)]))
        received = consumer.consume(1, TIMEOUT_SECONDS)
        thread.join(TIMEOUT_SECONDS)
        assert [(message.offset(), message.value()) for message in received] == [(0, b"late")]
    finally:
        consumer.close()


# ---------------------------------------------------------------------------------------
# kafka-python
# ---------------------------------------------------------------------------------------


def kafka_python_producer(broker, **config):
    return kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, **config)


def send_all(producer, topic, records):
    """Sends (key, value, headers) and returns the RecordMetadata of each."""
    futures = [producer.send(topic, key=key, value=value, headers=headers, partition=0)
               for key, value, headers in records]
    producer.flush(timeout=TIMEOUT_SECONDS)
    return [future.get(timeout=TIMEOUT_SECONDS) for future in futures]


@pytest.mark.parametrize("acks", [0, 1, "all"])
def test_kafka_python_produces_with_each_acks_and_reads_back_in_order(broker, acks):
    topic = f"acks-{acks}"
    create_topic(broker, topic)
    values = numbered_values(str(acks))
    producer = kafka_python_producer(broker, acks=acks, linger_ms=5)
    try:
        sent = send_all(producer, topic, [(b"key", value, []) for value in values])
    finally:
        producer.close(timeout=TIMEOUT_SECONDS)
    if acks != 0:  # acks=0 gets no offsets back
        assert [metadata.offset for metadata in sent] == list(range(RECORDS))
    records = kafka_python_read(broker, topic, 0, 0, RECORDS)
    assert [(record.offset, record.key, record.value) for record in records] == [
        (offset, b"key", value) for offset, value in enumerate(values)]


def test_kafka_python_round_trips_headers_null_keys_empty_values_and_1mib(broker):
    topic = "odd-records"
    create_topic(broker, topic, config=LARGE_MESSAGE_TOPIC_CONFIG)
    # kafka-python refuses a record without key and value, and null header values.
    sent = [
        (None, b"null key", []),
        (b"k", b"", [("h1", b"v1"), ("h1", b"repeated"), ("empty", b"")]),
        (b"", None, []),
        (b"large", os.urandom(ONE_MIB), [("size", b"1MiB")]),
        (b"\x00\xff binary", bytes(range(256)), [("binary", bytes(range(256)))]),
    ]
    producer = kafka_python_producer(broker, acks="all", max_request_size=LARGE_CLIENT_BYTES)
    try:
        metadata = send_all(producer, topic, sent)
    finally:
        producer.close(timeout=TIMEOUT_SECONDS)
    assert [each.offset for each in metadata] == list(range(len(sent)))
    records = kafka_python_read(broker, topic, 0, 0, len(sent), **KAFKA_PYTHON_LARGE_CONSUMER)
    assert [(record.key, record.value, record.headers) for record in records] == sent


def test_kafka_python_reads_from_a_sought_middle_offset(broker):
    topic = "middle"
    create_topic(broker, topic)
    values = numbered_values("m")
    producer = kafka_python_producer(broker, acks="all")
    try:
        send_all(producer, topic, [(None, value, []) for value in values])
    finally:
        producer.close(timeout=TIMEOUT_SECONDS)
    records = kafka_python_read(broker, topic, 0, 120, RECORDS - 120)
    assert [(record.offset, record.value) for record in records] == [
        (offset, values[offset]) for offset in range(120, RECORDS)]


def test_kafka_python_long_poll_receives_a_record_produced_while_it_waits(broker):
    topic = "long-poll"
    create_topic(broker, topic)
    consumer = kafka_python_consumer(broker, fetch_max_wait_ms=LONG_POLL_WAIT_MS,
                                     fetch_min_bytes=1)
    producer = kafka_python_producer(broker, acks="all")
    try:
        assigned = kafka.TopicPartition(topic, 0)
        consumer.assign([assigned])
        consumer.seek(assigned, 0)
        assert consumer.poll(timeout_ms=500) == {}  # the partition is empty: the fetch waits
        thread = produce_later(lambda: send_all(producer, topic, [(b"k", b"late", [])]))
        received = []
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not received and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                received.extend(batch)
        thread.join(TIMEOUT_SECONDS)
        assert [(record.offset, record.value) for record in received] == [(0, b"late")]
    finally:
        consumer.close()
        producer.close(timeout=TIMEOUT_SECONDS)
