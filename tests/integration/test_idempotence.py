"""Idempotent producers: InitProducerId hands out producer ids, and the partition leader
keeps each producer's last five batches so a retried batch is answered with its first
offsets instead of being written twice (Kafka's ProducerStateManager).

Raw requests check the broker's answers batch by batch: duplicates, gaps, epoch bumps and
fencing, and the state surviving a kill -9. librdkafka's idempotent producer is then run
through a proxy that cuts every connection again and again and drops some of the broker's
responses while records are in flight, and every record must be in the log exactly once,
in order."""

import threading
import time

import confluent_kafka
import kafka
import pytest

import kafka_wire
from client_helpers import TIMEOUT_SECONDS, confluent_consumer, create_topic
from cutting_proxy import CuttingProxy
from kafka_probe import call, fetch, fetched_records, produce
from kafka_wire import FetchPartition

NONE = 0
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
INVALID_PRODUCER_EPOCH = 47
PRODUCE_VERSION = 9
FETCH_VERSION = 12


def init_producer_id(connection, probe, version=0):
    """A new producer id and epoch for an idempotent producer (no transactional id)."""
    flexible = version >= 2
    body = kafka_wire.string(None, compact=flexible) + kafka_wire.int32(60000)
    if version >= 3:
        body += kafka_wire.int64(-1) + kafka_wire.int16(-1)
    if flexible:
        body += kafka_wire.tagged_fields()
    answer = call(connection, probe, kafka_wire.INIT_PRODUCER_ID, version, body)["body"]
    assert answer["error_code"] == NONE, answer
    return answer["producer_id"], answer["producer_epoch"]


def send(connection, probe, topic, values, producer_id, epoch, sequence):
    """Produces one batch of `values` to partition 0; returns (error code, base offset)."""
    batch = kafka_wire.record_batch([(None, value) for value in values], producer_id=producer_id,
                                    producer_epoch=epoch, base_sequence=sequence)
    answer = produce(connection, probe, PRODUCE_VERSION, {topic: {0: batch}}, acks=-1)
    partition = answer["responses"][0]["partition_responses"][0]
    return partition["error_code"], partition["base_offset"]


def log_values(connection, probe, topic):
    """Every value in partition 0, in offset order (a fetch reads one segment at most)."""
    values = []
    next_offset = 0
    while True:
        answer = fetch(connection, probe, FETCH_VERSION,
                       [(topic, [FetchPartition(0, next_offset)])])
        records = fetched_records(answer["responses"][0]["partitions"][0])
        if not records:
            return values
        values += [value for _, _, value, _ in records]
        next_offset = records[-1][0] + 1


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_init_producer_id_gives_every_producer_a_new_id_at_epoch_0(broker, connect, probe,
                                                                   version):
    connection = connect(broker)
    first = init_producer_id(connection, probe, version)
    second = init_producer_id(connection, probe, version)
    assert first[1] == second[1] == 0
    assert first[0] >= 0 and second[0] >= 0 and first[0] != second[0]


def test_producer_ids_are_never_handed_out_twice_across_restarts(broker, connect, probe):
    before = {init_producer_id(connect(broker), probe)[0] for _ in range(3)}
    broker.kill()
    broker.start()
    after = {init_producer_id(connect(broker), probe)[0] for _ in range(3)}
    assert len(before) == len(after) == 3
    assert max(before) < min(after)


def test_a_retried_batch_is_answered_with_its_first_offset_and_written_once(broker, connect,
                                                                            probe):
    create_topic(broker, "retried")
    connection = connect(broker)
    producer_id, epoch = init_producer_id(connection, probe)
    assert send(connection, probe, "retried", [b"a", b"b"], producer_id, epoch, 0) == (NONE, 0)
    assert send(connection, probe, "retried", [b"c"], producer_id, epoch, 2) == (NONE, 2)
    # Both batches again, as a producer that lost the responses retries them.
    assert send(connection, probe, "retried", [b"a", b"b"], producer_id, epoch, 0) == (NONE, 0)
    assert send(connection, probe, "retried", [b"c"], producer_id, epoch, 2) == (NONE, 2)
    assert send(connection, probe, "retried", [b"d"], producer_id, epoch, 3) == (NONE, 3)
    assert log_values(connection, probe, "retried") == [b"a", b"b", b"c", b"d"]


def test_only_the_last_five_batches_are_remembered(broker, connect, probe):
    create_topic(broker, "five")
    connection = connect(broker)
    producer_id, epoch = init_producer_id(connection, probe)
    for sequence in range(6):
        assert send(connection, probe, "five", [b"%d" % sequence], producer_id, epoch,
                    sequence) == (NONE, sequence)
    # Batch 1 is still one of the last five; batch 0 is not, and is out of order now.
    assert send(connection, probe, "five", [b"1"], producer_id, epoch, 1) == (NONE, 1)
    assert send(connection, probe, "five", [b"0"], producer_id, epoch, 0)[0] == \
        OUT_OF_ORDER_SEQUENCE_NUMBER
    assert len(log_values(connection, probe, "five")) == 6


def test_a_gap_in_sequence_numbers_is_out_of_order(broker, connect, probe):
    create_topic(broker, "gap")
    connection = connect(broker)
    producer_id, epoch = init_producer_id(connection, probe)
    assert send(connection, probe, "gap", [b"a"], producer_id, epoch, 0) == (NONE, 0)
    assert send(connection, probe, "gap", [b"c"], producer_id, epoch, 2)[0] == \
        OUT_OF_ORDER_SEQUENCE_NUMBER
    assert log_values(connection, probe, "gap") == [b"a"]


def test_a_bumped_epoch_starts_at_sequence_0_and_fences_the_old_one(broker, connect, probe):
    create_topic(broker, "epochs")
    connection = connect(broker)
    producer_id, _ = init_producer_id(connection, probe)
    assert send(connection, probe, "epochs", [b"a"], producer_id, 0, 0) == (NONE, 0)
    assert send(connection, probe, "epochs", [b"b"], producer_id, 1, 5)[0] == \
        OUT_OF_ORDER_SEQUENCE_NUMBER
    assert send(connection, probe, "epochs", [b"b"], producer_id, 1, 0) == (NONE, 1)
    assert send(connection, probe, "epochs", [b"c"], producer_id, 0, 1)[0] == \
        INVALID_PRODUCER_EPOCH
    assert log_values(connection, probe, "epochs") == [b"a", b"b"]


@pytest.mark.parametrize("stop", ["kill", "stop"])
def test_producer_state_survives_a_restart(broker, connect, probe, stop):
    create_topic(broker, "restarted", config={"segment.bytes": "1048576"})
    connection = connect(broker)
    producer_id, epoch = init_producer_id(connection, probe)
    value = b"x" * 150_000  # ten of them roll a segment: a snapshot, then a log tail
    for sequence in range(10):
        assert send(connection, probe, "restarted", [value], producer_id, epoch,
                    sequence) == (NONE, sequence)
    broker.kill() if stop == "kill" else broker.stop()
    broker.start()
    connection = connect(broker)
    # The last batch is still known (from a snapshot, and the log after it) ...
    assert send(connection, probe, "restarted", [value], producer_id, epoch, 9) == (NONE, 9)
    # ... and so is the next expected sequence number.
    assert send(connection, probe, "restarted", [value], producer_id, epoch, 11)[0] == \
        OUT_OF_ORDER_SEQUENCE_NUMBER
    assert send(connection, probe, "restarted", [value], producer_id, epoch, 10) == (NONE, 10)
    assert len(log_values(connection, probe, "restarted")) == 11


def test_librdkafka_idempotent_producer_writes_each_record_once_through_cut_connections(
        start_broker):
    # Responses dropped (2%) make librdkafka retry batches the broker already wrote: without
    # idempotence this run writes thousands of duplicates.
    proxy = CuttingProxy(response_drop_rate=0.02)
    try:
        broker = start_broker({"advertised.listeners": f"PLAINTEXT://{proxy.address}"})
        proxy.upstream = (broker.host, broker.port)
        partitions = 3
        count = 20000
        create_topic(broker, "cut", partitions)
        producer = confluent_kafka.Producer({
            "bootstrap.servers": proxy.address, "enable.idempotence": True,
            "linger.ms": 2, "batch.num.messages": 50, "socket.timeout.ms": 5000,
            "reconnect.backoff.ms": 10, "reconnect.backoff.max.ms": 100,
            "message.timeout.ms": 120000})
        failures = []

        def delivered(error, message):
            if error is not None:
                failures.append(error)

        stop_cutting = threading.Event()

        def cut_repeatedly():
            while not stop_cutting.wait(0.05):
                proxy.cut_all()

        cutter = threading.Thread(target=cut_repeatedly, daemon=True)
        cutter.start()
        # 40 rounds of 500 records, 0.1 s apart, so that cuts land while batches are in flight.
        for number in range(count):
            while True:
                try:
                    producer.produce("cut", value=b"%d" % number, key=b"%d" % (number % 7),
                                     on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.01)
            if number % 500 == 499:
                time.sleep(0.1)
            producer.poll(0)
        # Keep cutting while the tail is in flight, then let it drain.
        time.sleep(1.0)
        stop_cutting.set()
        cutter.join()
        assert producer.flush(120) == 0
        assert failures == []
        assert proxy.cuts > 10
        assert proxy.dropped_responses > 0

        consumer = confluent_consumer(broker, {"auto.offset.reset": "earliest"})
        consumer.assign([confluent_kafka.TopicPartition("cut", p, 0) for p in range(partitions)])
        seen = {}
        deadline = time.monotonic() + TIMEOUT_SECONDS * 2
        total = 0
        while total < count and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error() is not None:
                continue
            seen.setdefault(message.partition(), []).append(int(message.value()))
            total += 1
        # Anything past `count` would be a duplicate: wait a moment for it.
        extra = consumer.consume(num_messages=1000, timeout=2)
        consumer.close()
        assert [m for m in extra if m.error() is None] == []
        numbers = sorted(n for values in seen.values() for n in values)
        assert numbers == list(range(count))
        for values in seen.values():
            assert values == sorted(values)
    finally:
        proxy.close()


def test_kafka_python_idempotent_producer(broker):
    if "enable_idempotence" not in kafka.KafkaProducer.DEFAULT_CONFIG:
        pytest.skip(f"kafka-python {kafka.__version__} has no idempotent producer (2.1 added it)")
    create_topic(broker, "kafka-python-idempotent")
    producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True)
    for number in range(100):
        producer.send("kafka-python-idempotent", value=b"%d" % number)
    producer.flush(TIMEOUT_SECONDS)
    producer.close()
    consumer = confluent_consumer(broker, {"auto.offset.reset": "earliest"})
    consumer.assign([confluent_kafka.TopicPartition("kafka-python-idempotent", 0, 0)])
    values = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while len(values) < 100 and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is not None and message.error() is None:
            values.append(message.value())
    consumer.close()
    assert values == [b"%d" % number for number in range(100)]
