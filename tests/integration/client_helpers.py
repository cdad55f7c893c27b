"""What the tests with real clients share: creating topics with confluent-kafka's admin
client, producing with delivery reports and reading a partition back with an assigned
(group-less) consumer of either client.

confluent-kafka needs a group.id even for assign(); the consumers here never join a group
or commit (the broker has no group coordinator yet). Deadlines are generous: a test asserts
what arrives, never how fast."""

import socket
import time

import confluent_kafka
import kafka
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_SECONDS = 30
# Kafka's default max.message.bytes (1 MiB + 12) cannot hold a 1 MiB value with its batch.
LARGE_MESSAGE_TOPIC_CONFIG = {"max.message.bytes": "2097152"}
LARGE_CLIENT_BYTES = 4 * 1024 * 1024


def create_topic(broker, name, partitions=1, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    future = admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])[name]
    assert future.result(timeout=TIMEOUT_SECONDS) is None


def partition_counts(broker):
    """topic -> partition count, as confluent-kafka's metadata request sees it."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    metadata = admin.list_topics(timeout=TIMEOUT_SECONDS)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()}


class DeliveryReports:
    """confluent-kafka delivery reports: the acknowledged (partition, offset, value) and the
    errors, as the producer's callbacks report them."""

    def __init__(self):
        self.acknowledged = []
        self.errors = []

    def __call__(self, error, message):
        if error is None:
            self.acknowledged.append((message.partition(), message.offset(), message.value()))
        else:
            self.errors.append(error)


def confluent_producer(broker, config=None):
    """A producer with librdkafka's settings `config` (dotted names, as in librdkafka)."""
    return confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap, **(config or {})})


def produce_all(producer, topic, messages, partition=None):
    """Produces (key, value, headers) and flushes; returns the DeliveryReports."""
    reports = DeliveryReports()
    for key, value, headers in messages:
        options = {} if partition is None else {"partition": partition}
        producer.produce(topic, key=key, value=value, headers=headers, on_delivery=reports,
                         **options)
        producer.poll(0)
    assert producer.flush(TIMEOUT_SECONDS) == 0, "messages left undelivered"
    return reports


def confluent_consumer(broker, config=None):
    return confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap,
                                     "group.id": "samsa-tests", "enable.auto.commit": False,
                                     **(config or {})})


def confluent_read(broker, topic, partition, offset, count, config=None):
    """`count` messages of one partition from `offset`, with an assigned consumer."""
    consumer = confluent_consumer(broker, config)
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, partition, offset)])
        return confluent_poll(consumer, count)
    finally:
        consumer.close()


def confluent_poll(consumer, count):
    """`count` messages from an assigned or subscribed consumer, within TIMEOUT_SECONDS."""
    messages = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while len(messages) < count and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        assert message.error() is None, message.error()
        messages.append(message)
    assert len(messages) == count, f"read {len(messages)} of {count} messages"
    return messages


def kafka_python_consumer(broker, **config):
    return kafka.KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False,
                               consumer_timeout_ms=TIMEOUT_SECONDS * 1000, **config)


def kafka_python_read(broker, topic, partition, offset, count, **config):
    """`count` records of one partition from `offset`, with an assigned consumer."""
    consumer = kafka_python_consumer(broker, **config)
    try:
        assigned = kafka.TopicPartition(topic, partition)
        consumer.assign([assigned])
        consumer.seek(assigned, offset)
        records = []
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(batch)
        assert len(records) == count, f"read {len(records)} of {count} records"
        return records
    finally:
        consumer.close()


def unused_port():
    """A local port nothing listens on now (a broker pinned to it keeps it across restarts)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def confluent_read_to_end(broker, topic, partition=0, config=None):
    """Every message of one partition from its start to its end (the high watermark, or
    the last stable offset for the default read_committed), with an assigned consumer;
    offsets may have gaps (compaction, transaction markers)."""
    consumer = confluent_consumer(broker, {"enable.partition.eof": True, **(config or {})})
    try:
        consumer.assign([confluent_kafka.TopicPartition(topic, partition,
                                                        confluent_kafka.OFFSET_BEGINNING)])
        messages = []
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while True:
            assert time.monotonic() < deadline, (
                f"{topic}-{partition}: no end of partition within {TIMEOUT_SECONDS}s, "
                f"read {len(messages)} messages")
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == confluent_kafka.KafkaError._PARTITION_EOF:
                    return messages
                raise AssertionError(message.error())
            messages.append(message)
    finally:
        consumer.close()
