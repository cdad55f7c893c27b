"""ListOffsets through both real clients: the earliest and latest offsets (watermarks) of
every partition, and offsets_for_times, which answers the first offset whose record has a
timestamp at or after the one asked for, even inside a batch, or none past the last."""

import confluent_kafka
import kafka

from client_helpers import (TIMEOUT_SECONDS, confluent_consumer, confluent_producer, create_topic,
                            kafka_python_consumer)

PARTITIONS = 3
RECORDS_PER_PARTITION = (10, 4, 0)  # partition 2 stays empty
BASE_TIMESTAMP_MS = 1_700_000_000_000
STEP_MS = 1000


def timestamp_of(index):
    return BASE_TIMESTAMP_MS + index * STEP_MS


def produce_timestamped(broker, topic):
    """Record i of each partition has timestamp BASE + i * STEP; one batch per partition
    when the producer lingers, so most answers lie inside a batch."""
    create_topic(broker, topic, PARTITIONS)
    producer = confluent_producer(broker, {"acks": "all", "linger.ms": 100})
    for partition, count in enumerate(RECORDS_PER_PARTITION):
        for index in range(count):
            producer.produce(topic, value=b"%d" % index, partition=partition,
                             timestamp=timestamp_of(index))
    assert producer.flush(TIMEOUT_SECONDS) == 0


# (timestamp asked for, partition) -> the offset Kafka answers; None: no such record.
TIME_QUERIES = {
    (BASE_TIMESTAMP_MS - 1, 0): 0,
    (timestamp_of(0), 0): 0,
    (timestamp_of(3), 0): 3,
    (timestamp_of(3) + 1, 0): 4,
    (timestamp_of(9), 0): 9,
    (timestamp_of(9) + 1, 0): None,
    (timestamp_of(2) - 1, 1): 2,
    (timestamp_of(3), 1): 3,
    (timestamp_of(4), 1): None,
    (BASE_TIMESTAMP_MS, 2): None,
}


def test_confluent_kafka_watermarks_are_log_start_and_end(broker):
    topic = "watermarks"
    produce_timestamped(broker, topic)
    consumer = confluent_consumer(broker)
    try:
        for partition, count in enumerate(RECORDS_PER_PARTITION):
            watermarks = consumer.get_watermark_offsets(
                confluent_kafka.TopicPartition(topic, partition), timeout=TIMEOUT_SECONDS)
            assert watermarks == (0, count), f"partition {partition}"
    finally:
        consumer.close()


def test_confluent_kafka_offsets_for_times_finds_the_first_record_at_or_after(broker):
    topic = "by-time"
    produce_timestamped(broker, topic)
    consumer = confluent_consumer(broker)
    try:
        for (timestamp, partition), expected in TIME_QUERIES.items():
            [answer] = consumer.offsets_for_times(
                [confluent_kafka.TopicPartition(topic, partition, timestamp)],
                timeout=TIMEOUT_SECONDS)
            assert answer.error is None
            # librdkafka reports "no such record" as OFFSET_END (-1).
            assert answer.offset == (confluent_kafka.OFFSET_END if expected is None
                                     else expected), (timestamp - BASE_TIMESTAMP_MS, partition)
    finally:
        consumer.close()


def test_kafka_python_beginning_and_end_offsets_are_log_start_and_end(broker):
    topic = "watermarks"
    produce_timestamped(broker, topic)
    partitions = [kafka.TopicPartition(topic, partition) for partition in range(PARTITIONS)]
    consumer = kafka_python_consumer(broker)
    try:
        assert consumer.beginning_offsets(partitions) == {each: 0 for each in partitions}
        assert consumer.end_offsets(partitions) == {
            each: count for each, count in zip(partitions, RECORDS_PER_PARTITION)}
    finally:
        consumer.close()


def test_kafka_python_offsets_for_times_finds_the_first_record_at_or_after(broker):
    topic = "by-time"
    produce_timestamped(broker, topic)
    consumer = kafka_python_consumer(broker)
    try:
        for (timestamp, partition), expected in TIME_QUERIES.items():
            wanted = kafka.TopicPartition(topic, partition)
            answer = consumer.offsets_for_times({wanted: timestamp})[wanted]
            where = (timestamp - BASE_TIMESTAMP_MS, partition)
            if expected is None:
                assert answer is None, where
            else:
                # The answer carries the timestamp of the record found.
                assert (answer.offset, answer.timestamp) == (expected, timestamp_of(expected)), (
                    where)
    finally:
        consumer.close()
