"""Restarts on the same data directory: after a graceful stop (SIGTERM) and after kill -9,
every record acknowledged with acks=all is there at its offset, the topics keep their
partition counts and configs, and producing continues at the next offset.

The broker has no DescribeConfigs yet, so a topic config is checked by what it does: a
topic created with max.message.bytes=2 MiB keeps taking a 1.5 MiB record after the
restart, which a topic with the default limit refuses."""

import os

import confluent_kafka

from client_helpers import (LARGE_CLIENT_BYTES, LARGE_MESSAGE_TOPIC_CONFIG, TIMEOUT_SECONDS,
                            DeliveryReports, confluent_consumer, confluent_producer,
                            confluent_read, create_topic, partition_counts, produce_all)

PARTITIONS = 3
LARGE_VALUE_BYTES = 1536 * 1024
LARGE_TOPIC_CONFIG = {**LARGE_MESSAGE_TOPIC_CONFIG, "retention.ms": "604800000"}
CONSUMER_CONFIG = {"fetch.max.bytes": 2 * LARGE_CLIENT_BYTES,
                   "max.partition.fetch.bytes": LARGE_CLIENT_BYTES,
                   "receive.message.max.bytes": 4 * LARGE_CLIENT_BYTES}
KILL_AFTER_ACKNOWLEDGED = 5000
CHUNK = 500


def acks_all_producer(broker, config=None):
    return confluent_producer(broker, {"acks": "all", "linger.ms": 2,
                                       "message.max.bytes": LARGE_CLIENT_BYTES, **(config or {})})


def log_ends(broker, topic, partitions):
    """partition -> (log start offset, log end offset)."""
    consumer = confluent_consumer(broker)
    try:
        return {partition: consumer.get_watermark_offsets(
                    confluent_kafka.TopicPartition(topic, partition), timeout=TIMEOUT_SECONDS)
                for partition in range(partitions)}
    finally:
        consumer.close()


def read_partition(broker, topic, partition, count):
    """[(offset, value)] of the first `count` records of a partition."""
    if count == 0:
        return []
    messages = confluent_read(broker, topic, partition, 0, count, CONSUMER_CONFIG)
    return [(message.offset(), message.value()) for message in messages]


def by_partition(acknowledged):
    """partition -> [(offset, value)] in offset order."""
    grouped = {}
    for partition, offset, value in sorted(acknowledged):
        grouped.setdefault(partition, []).append((offset, value))
    return grouped


def assert_new_records_follow(broker, topic, ends):
    """One more record per partition lands at that partition's log end offset."""
    producer = acks_all_producer(broker)
    for partition, (_, end) in ends.items():
        reports = produce_all(producer, topic, [(None, b"after restart", None)], partition)
        assert reports.errors == [], f"partition {partition}"
        assert reports.acknowledged == [(partition, end, b"after restart")], (
            f"partition {partition}")


def test_acknowledged_records_topics_and_configs_survive_a_graceful_restart(broker):
    create_topic(broker, "plain", PARTITIONS)
    create_topic(broker, "large", 1, LARGE_TOPIC_CONFIG)
    producer = acks_all_producer(broker)
    plain = produce_all(producer, "plain",
                        [(b"key-%d" % (index % 17), b"value-%d" % index, None)
                         for index in range(3000)])
    large_value = os.urandom(LARGE_VALUE_BYTES)
    large = produce_all(producer, "large", [(None, large_value, None)])
    refused = produce_all(producer, "plain", [(None, large_value, None)], partition=0)
    assert plain.errors == [] and large.errors == []
    assert [error.code() for error in refused.errors] == [
        confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE]
    del producer

    broker.stop()
    broker.start()

    assert partition_counts(broker) == {"plain": PARTITIONS, "large": 1}
    acknowledged = by_partition(plain.acknowledged)
    ends = log_ends(broker, "plain", PARTITIONS)
    for partition in range(PARTITIONS):
        expected = acknowledged.get(partition, [])
        assert ends[partition] == (0, len(expected)), f"partition {partition}"
        assert read_partition(broker, "plain", partition, len(expected)) == expected, (
            f"partition {partition}")
    assert read_partition(broker, "large", 0, 1) == [(0, large_value)]

    assert_new_records_follow(broker, "plain", ends)
    producer = acks_all_producer(broker)
    assert produce_all(producer, "large", [(None, large_value, None)]).acknowledged == [
        (0, 1, large_value)]
    refused = produce_all(producer, "plain", [(None, large_value, None)], partition=0)
    assert [error.code() for error in refused.errors] == [
        confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE]


def produce_until_killed(broker, topic):
    """Produces with acks=all until KILL_AFTER_ACKNOWLEDGED records are acknowledged,
    sends one more chunk and SIGKILLs the broker with it in flight. Returns every
    acknowledgement the producer received."""
    producer = acks_all_producer(broker)
    reports = DeliveryReports()
    sent = 0

    def send_chunk():
        nonlocal sent
        for _ in range(CHUNK):
            producer.produce(topic, key=b"key-%d" % (sent % 31), value=b"value-%d" % sent,
                             on_delivery=reports)
            sent += 1
        producer.poll(0)

    while len(reports.acknowledged) < KILL_AFTER_ACKNOWLEDGED:
        send_chunk()
        producer.poll(0.05)
    assert reports.errors == []
    send_chunk()
    broker.kill()
    # Acknowledgements received before the kill are reported by poll(); what was still in
    # flight is purged (reported as errors) rather than retried into the restarted broker.
    producer.poll(1.0)
    producer.purge()
    producer.poll(1.0)
    return reports.acknowledged


def test_every_acknowledged_record_survives_kill_9(broker):
    create_topic(broker, "crash", PARTITIONS)
    acknowledged = by_partition(produce_until_killed(broker, "crash"))
    assert sum(len(entries) for entries in acknowledged.values()) >= KILL_AFTER_ACKNOWLEDGED

    broker.start()

    assert partition_counts(broker) == {"crash": PARTITIONS}
    ends = log_ends(broker, "crash", PARTITIONS)
    for partition in range(PARTITIONS):
        expected = acknowledged.get(partition, [])
        start, end = ends[partition]
        assert start == 0 and end >= len(expected), f"partition {partition}: {ends[partition]}"
        # Acknowledged records are the log's first ones, at the offsets acknowledged; a
        # record written but not acknowledged before the kill may follow them.
        stored = read_partition(broker, "crash", partition, end)
        assert stored[:len(expected)] == expected, f"partition {partition}"
    assert_new_records_follow(broker, "crash", ends)
