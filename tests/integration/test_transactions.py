"""Transactions with librdkafka (confluent-kafka): the transaction coordinator on
__transaction_state, markers, the last stable offset and aborted-transaction lists for
read_committed consumers, fencing, timeouts, and a consume-transform-produce loop that
writes exactly one output per input across aborts, kill -9 of the transformer and a
restart of the broker."""

import subprocess
import sys
import time
from pathlib import Path

import confluent_kafka
import pytest
from confluent_kafka import KafkaException

import kafka_wire
import admin_wire
from admin_wire import DESCRIBE_PRODUCERS, describe_producers_body
from client_helpers import TIMEOUT_SECONDS, create_topic, unused_port
from kafka_probe import call

TRANSFORMER = Path(__file__).with_name("transactional_transformer.py")
READ_COMMITTED = 1
READ_UNCOMMITTED = 0
LATEST = -1


def transactional_producer(broker, transactional_id, **config):
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap,
                                         "transactional.id": transactional_id, **config})
    producer.init_transactions(TIMEOUT_SECONDS)
    return producer


def read_values(broker, topic, partitions=1, isolation="read_committed", idle_seconds=3.0,
                expected=None):
    """Every value of the topic from the start, in the order the consumer delivers them;
    stops once `expected` values arrived, or after idle_seconds without any."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": broker.bootstrap, "group.id": f"reader-{time.monotonic_ns()}",
        "enable.auto.commit": False, "isolation.level": isolation})
    consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING)
                     for p in range(partitions)])
    values = []
    last = time.monotonic()
    deadline = last + 120
    try:
        while time.monotonic() - last < idle_seconds and time.monotonic() < deadline:
            if expected is not None and len(values) >= expected:
                # Anything more would be a duplicate: look a moment longer for it.
                idle_seconds = 1.0
            message = consumer.poll(0.2)
            if message is None or message.error() is not None:
                continue
            values.append(message.value())
            last = time.monotonic()
    finally:
        consumer.close()
    return values


def list_offsets(connection, probe, topic, isolation_level):
    """The latest offset of partition 0 under the isolation level (ListOffsets v2)."""
    partition = kafka_wire.int32(0) + kafka_wire.int64(LATEST)
    body = (kafka_wire.int32(-1) + kafka_wire.int8(isolation_level) +
            kafka_wire.array([kafka_wire.string(topic) + kafka_wire.array([partition])]))
    answer = call(connection, probe, kafka_wire.LIST_OFFSETS, 2, body)["body"]
    return answer["topics"][0]["partitions"][0]["offset"]


def test_read_committed_sees_committed_records_only_and_read_uncommitted_sees_all(
        broker, connect, probe):
    create_topic(broker, "mixed")
    producer = transactional_producer(broker, "mixed-writer")
    producer.begin_transaction()
    for index in range(5):
        producer.produce("mixed", value=b"committed-%d" % index)
    producer.commit_transaction(TIMEOUT_SECONDS)
    producer.begin_transaction()
    for index in range(5):
        producer.produce("mixed", value=b"aborted-%d" % index)
    # Written before the abort (librdkafka purges what it has not sent yet).
    producer.flush(TIMEOUT_SECONDS)
    producer.abort_transaction(TIMEOUT_SECONDS)
    producer.begin_transaction()
    producer.produce("mixed", value=b"open")
    producer.flush(TIMEOUT_SECONDS)
    # A record after the open transaction, from a producer without transactions: read_committed
    # readers must not pass the open transaction's first offset (the last stable offset).
    plain = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap})
    plain.produce("mixed", value=b"plain")
    plain.flush(TIMEOUT_SECONDS)

    committed = [b"committed-%d" % index for index in range(5)]
    aborted = [b"aborted-%d" % index for index in range(5)]
    assert read_values(broker, "mixed") == committed
    assert read_values(broker, "mixed", isolation="read_uncommitted") == \
        committed + aborted + [b"open", b"plain"]
    connection = connect(broker)
    # 5 records, a marker, 5 aborted, a marker: the open transaction starts at offset 12.
    assert list_offsets(connection, probe, "mixed", READ_COMMITTED) == 12
    assert list_offsets(connection, probe, "mixed", READ_UNCOMMITTED) == 14

    producer.commit_transaction(TIMEOUT_SECONDS)
    assert read_values(broker, "mixed") == committed + [b"open", b"plain"]
    assert list_offsets(connection, probe, "mixed", READ_COMMITTED) == 15


def test_a_new_producer_with_the_same_transactional_id_fences_the_old_one(broker):
    create_topic(broker, "fenced")
    old = transactional_producer(broker, "zombie")
    old.begin_transaction()
    old.produce("fenced", value=b"from the zombie")
    old.flush(TIMEOUT_SECONDS)
    # The new producer's InitProducerId aborts the old one's open transaction.
    new = transactional_producer(broker, "zombie")
    new.begin_transaction()
    new.produce("fenced", value=b"from the new one")
    new.commit_transaction(TIMEOUT_SECONDS)
    with pytest.raises(KafkaException) as raised:
        old.commit_transaction(TIMEOUT_SECONDS)
    assert raised.value.args[0].fatal()
    assert read_values(broker, "fenced") == [b"from the new one"]


def test_a_transaction_past_its_timeout_is_aborted_by_the_coordinator(start_broker):
    broker = start_broker({"transaction.abort.timed.out.transaction.cleanup.interval.ms": 200})
    create_topic(broker, "slow")
    producer = transactional_producer(broker, "slow-writer", **{"transaction.timeout.ms": 1000})
    producer.begin_transaction()
    producer.produce("slow", value=b"never committed")
    producer.flush(TIMEOUT_SECONDS)
    plain = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap})
    plain.produce("slow", value=b"after")
    plain.flush(TIMEOUT_SECONDS)
    # The abort marker lets read_committed readers past the transaction.
    assert read_values(broker, "slow", expected=1, idle_seconds=10) == [b"after"]
    with pytest.raises(KafkaException):
        producer.commit_transaction(TIMEOUT_SECONDS)


def test_a_commit_survives_kill_9_right_after_it_was_answered(broker):
    create_topic(broker, "durable-commit", 3)
    producer = transactional_producer(broker, "durable-writer")
    producer.begin_transaction()
    for index in range(30):
        producer.produce("durable-commit", value=b"%d" % index, partition=index % 3)
    producer.commit_transaction(TIMEOUT_SECONDS)
    # The decision was durable when EndTxn was answered; markers written after it (or by the
    # restarted coordinator, which completes PrepareCommit) make the records readable.
    broker.kill()
    broker.start()
    values = read_values(broker, "durable-commit", partitions=3, expected=30, idle_seconds=15)
    assert sorted(values) == sorted(b"%d" % index for index in range(30))


def test_describe_and_list_transactions(broker, connect, probe):
    create_topic(broker, "described", 2)
    producer = transactional_producer(broker, "described-writer",
                                      **{"transaction.timeout.ms": 45000})
    producer.begin_transaction()
    producer.produce("described", value=b"x", partition=1)
    producer.flush(TIMEOUT_SECONDS)
    connection = connect(broker)
    body = kafka_wire.array([kafka_wire.string("described-writer", compact=True),
                             kafka_wire.string("nobody", compact=True)], compact=True)
    body += kafka_wire.tagged_fields()
    described = call(connection, probe, kafka_wire.DESCRIBE_TRANSACTIONS, 0,
                     body)["body"]["transaction_states"]
    assert described[0]["error_code"] == 0
    assert described[0]["transaction_state"] == "Ongoing"
    assert described[0]["transaction_timeout_ms"] == 45000
    assert described[0]["topics"] == [{"topic": "described", "partitions": [1]}]
    assert described[1]["error_code"] == 105  # TRANSACTIONAL_ID_NOT_FOUND
    body = (kafka_wire.array([kafka_wire.string("Ongoing", compact=True)], compact=True) +
            kafka_wire.array([], compact=True) + kafka_wire.tagged_fields())
    listed = call(connection, probe, kafka_wire.LIST_TRANSACTIONS, 0, body)["body"]
    assert listed["error_code"] == 0
    assert [state["transactional_id"] for state in listed["transaction_states"]] == \
        ["described-writer"]
    producer.abort_transaction(TIMEOUT_SECONDS)


def test_describe_producers_shows_the_open_transaction(broker, connect, probe):
    create_topic(broker, "producers")
    producer = transactional_producer(broker, "producers-writer")
    producer.begin_transaction()
    for index in range(3):
        producer.produce("producers", value=b"%d" % index)
    producer.flush(TIMEOUT_SECONDS)
    connection = connect(broker)

    def described():
        answer = admin_wire.call(connection, probe, DESCRIBE_PRODUCERS, 0,
                                 describe_producers_body([("producers", [0])]))
        return answer["topics"][0]["partitions"][0]["active_producers"]

    [open_state] = described()
    assert open_state["producer_epoch"] == 0
    assert open_state["last_sequence"] == 2
    assert open_state["current_txn_start_offset"] == 0
    producer.commit_transaction(TIMEOUT_SECONDS)
    [committed_state] = described()
    assert committed_state["producer_id"] == open_state["producer_id"]
    assert committed_state["current_txn_start_offset"] == -1
    assert committed_state["coordinator_epoch"] >= 0


class Transformer:
    """One transactional_transformer.py process."""

    def __init__(self, bootstrap, abort_every):
        self.process = subprocess.Popen(
            [sys.executable, str(TRANSFORMER), bootstrap, "in", "out", "transformers",
             "transformer", str(abort_every)], stderr=subprocess.PIPE, text=True)

    def running(self):
        return self.process.poll() is None

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for_outputs(broker, count, transformer_factory, transformer, timeout_seconds=90):
    """Waits until `out` holds at least `count` committed records, restarting the transformer
    when it exits (fenced or failed); returns the running transformer."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if not transformer.running():
            transformer = transformer_factory()
        if len(read_values(broker, "out", partitions=3, idle_seconds=1.0)) >= count:
            return transformer
    raise AssertionError(f"fewer than {count} outputs after {timeout_seconds} s")


def test_consume_transform_produce_writes_exactly_one_output_per_input(start_broker):
    port = unused_port()
    broker = start_broker({"listeners": f"PLAINTEXT://127.0.0.1:{port}"})
    inputs = 600
    create_topic(broker, "in", 3)
    create_topic(broker, "out", 3)
    plain = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap})
    for index in range(inputs):
        plain.produce("in", key=b"%d" % index, value=b"%d" % index, partition=index % 3)
    plain.flush(TIMEOUT_SECONDS)

    def start_transformer():
        return Transformer(broker.bootstrap, abort_every=4)

    transformer = start_transformer()
    try:
        # A crash: kill -9 mid-stream; the next transformer's InitProducerId fences the dead
        # one and aborts whatever transaction it left open.
        transformer = wait_for_outputs(broker, 100, start_transformer, transformer)
        transformer.kill()
        transformer = start_transformer()
        # A broker restart (kill -9, same port) while the transformer runs.
        transformer = wait_for_outputs(broker, 250, start_transformer, transformer)
        broker.kill()
        broker.start()
        transformer = wait_for_outputs(broker, inputs, start_transformer, transformer)
    finally:
        transformer.stop()

    outputs = read_values(broker, "out", partitions=3, expected=inputs)
    assert sorted(outputs) == sorted(b"out:%d" % index for index in range(inputs))
    # Aborted transactions (every fourth, and the ones the crashes cut) are in the log, and
    # only read_uncommitted readers see them.
    uncommitted = read_values(broker, "out", partitions=3, isolation="read_uncommitted")
    assert len(uncommitted) > inputs


def test_a_txn_offset_commit_from_an_older_epoch_than_the_partition_has_seen_is_refused(
        broker, connect, probe):
    """Kafka checks the epoch of every transactional batch appended to __consumer_offsets
    (ProducerAppendInfo.checkProducerEpoch): a zombie's TxnOffsetCommit is refused, so its
    offsets can never be committed by the next transaction's marker."""
    from test_txn_offset_commit import errors_of, txn_offset_commit_v0, wait_for_coordinator
    invalid_producer_epoch = 47
    connection = connect(broker)
    wait_for_coordinator(connection, probe, "zombie-group")
    create_topic(broker, "zombie-input", 1)
    newer = txn_offset_commit_v0("zombie-group", 4242, 3, {"zombie-input": [(0, 7, "")]})
    answer = call(connection, probe, 28, 0, newer)["body"]
    assert errors_of(answer) == {("zombie-input", 0): 0}
    older = txn_offset_commit_v0("zombie-group", 4242, 2, {"zombie-input": [(0, 9, "")]})
    answer = call(connection, probe, 28, 0, older)["body"]
    assert errors_of(answer) == {("zombie-input", 0): invalid_producer_epoch}


def write_txn_markers_body(producer_id, epoch, commit, topics, coordinator_epoch=0):
    """WriteTxnMarkers v1: one marker for `topics` ([(name, [partition])])."""
    encoded_topics = [kafka_wire.string(name, compact=True) +
                      kafka_wire.array([kafka_wire.int32(p) for p in partitions], compact=True) +
                      kafka_wire.tagged_fields() for name, partitions in topics]
    marker = (kafka_wire.int64(producer_id) + kafka_wire.int16(epoch) +
              kafka_wire.boolean(commit) + kafka_wire.array(encoded_topics, compact=True) +
              kafka_wire.int32(coordinator_epoch) + kafka_wire.tagged_fields())
    return kafka_wire.array([marker], compact=True) + kafka_wire.tagged_fields()


def test_write_txn_markers_ends_a_transaction_on_the_partition(broker, connect, probe):
    create_topic(broker, "marked")
    connection = connect(broker)
    body = kafka_wire.string(None) + kafka_wire.int32(60000)
    answer = call(connection, probe, kafka_wire.INIT_PRODUCER_ID, 0, body)["body"]
    producer_id = answer["producer_id"]
    batch = kafka_wire.record_batch([(None, b"in a transaction")], producer_id=producer_id,
                                    producer_epoch=0, base_sequence=0, transactional=True)
    body = kafka_wire.produce_request(9, {"marked": {0: batch}}, transactional_id="raw")
    answer = call(connection, probe, kafka_wire.PRODUCE, 9, body)["body"]
    assert answer["responses"][0]["partition_responses"][0]["error_code"] == 0
    assert list_offsets(connection, probe, "marked", READ_COMMITTED) == 0

    answer = call(connection, probe, kafka_wire.WRITE_TXN_MARKERS, 1, write_txn_markers_body(
        producer_id, 0, False, [("marked", [0]), ("nowhere", [0])]))["body"]
    results = {topic["name"]: topic["partitions"][0]["error_code"]
               for topic in answer["markers"][0]["topics"]}
    assert results == {"marked": 0, "nowhere": 3}  # UNKNOWN_TOPIC_OR_PARTITION
    # The abort marker (offset 1) ends the transaction: the LSO moves past it.
    assert list_offsets(connection, probe, "marked", READ_COMMITTED) == 2
    assert read_values(broker, "marked") == []
    assert read_values(broker, "marked", isolation="read_uncommitted") == [b"in a transaction"]

    # A marker from an older producer epoch than the partition has seen is refused.
    batch = kafka_wire.record_batch([(None, b"epoch 1")], producer_id=producer_id,
                                    producer_epoch=1, base_sequence=0, transactional=True)
    body = kafka_wire.produce_request(9, {"marked": {0: batch}}, transactional_id="raw")
    call(connection, probe, kafka_wire.PRODUCE, 9, body)
    answer = call(connection, probe, kafka_wire.WRITE_TXN_MARKERS, 1, write_txn_markers_body(
        producer_id, 0, True, [("marked", [0])]))["body"]
    assert answer["markers"][0]["topics"][0]["partitions"][0]["error_code"] == 47
