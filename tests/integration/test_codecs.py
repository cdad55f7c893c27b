"""Every compression codec end to end: keyed records produced into a 3-partition topic by
kcat (librdkafka 2.0.2, 100k records) or kafka-python (10k) and consumed back with kcat
come back complete, each partition's in produce order at offsets 0, 1, 2, ..., with equal
keys in one partition; and the log keeps the batches compressed as the producer sent them
(Kafka's default compression.type=producer), which the protocol probe reads from the
segment files."""

import collections
import subprocess
import zlib

import kafka
import pytest

from client_helpers import create_topic
from kafka_probe import stored_batches

PARTITIONS = 3
DISTINCT_KEYS = 1000
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
TIMEOUT_SECONDS = 120


def kcat(broker, *arguments, stdin_text=None):
    result = subprocess.run(["kcat", "-b", broker.bootstrap, *arguments], input=stdin_text,
                            capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    assert result.returncode == 0, result.stderr
    return result


def keyed_records(count):
    """(key, value) in produce order; the value names its position."""
    return [(f"key-{index % DISTINCT_KEYS}", f"value-{index}") for index in range(count)]


def consume_all(broker, topic):
    """partition -> [(offset, key, value)] in the order kcat printed them."""
    output = kcat(broker, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                  "-f", r"%p\t%o\t%k\t%s\n").stdout
    by_partition = collections.defaultdict(list)
    for line in output.splitlines():
        partition, offset, key, value = line.split("\t")
        by_partition[int(partition)].append((int(offset), key, value))
    return by_partition


def assert_complete_and_in_order(by_partition, records):
    """Every record once; each partition from offset 0 without gaps, in produce order;
    one partition per key. Returns key -> partition."""
    assert set(by_partition) <= set(range(PARTITIONS))
    consumed = sorted((key, value) for entries in by_partition.values()
                      for _, key, value in entries)
    assert consumed == sorted(records), "records lost or duplicated"
    partition_of_key = {}
    for partition, entries in by_partition.items():
        assert [offset for offset, _, _ in entries] == list(range(len(entries))), (
            f"partition {partition}: offsets are not 0..{len(entries) - 1}")
        positions = [int(value.removeprefix("value-")) for _, _, value in entries]
        assert positions == sorted(positions), f"partition {partition}: out of produce order"
        for _, key, _ in entries:
            assert partition_of_key.setdefault(key, partition) == partition, (
                f"key {key} in partitions {partition_of_key[key]} and {partition}")
    return partition_of_key


def stored_codecs(broker, probe, topic, partition):
    """(codec -> batch count, record count) of the partition's log on disk."""
    codecs = collections.Counter()
    records = 0
    for batch in stored_batches(probe, broker.data_dir / f"{topic}-{partition}"):
        codecs[batch["codec"]] += 1
        records += batch["record_count"]
    return codecs, records


@pytest.mark.parametrize("codec", CODECS)
def test_kcat_round_trips_100k_keyed_records_per_partition_in_order(broker, probe, codec):
    topic = f"kcat-{codec}"
    create_topic(broker, topic, PARTITIONS)
    records = keyed_records(100_000)
    kcat(broker, "-P", "-t", topic, "-K", "\t", "-X", f"compression.codec={codec}",
         stdin_text="".join(f"{key}\t{value}\n" for key, value in records))

    by_partition = consume_all(broker, topic)
    partition_of_key = assert_complete_and_in_order(by_partition, records)
    # librdkafka's default partitioner (consistent_random) sends a key to
    # crc32(key) % partitions: every record is stored where the producer addressed it.
    for key, partition in partition_of_key.items():
        assert partition == zlib.crc32(key.encode()) % PARTITIONS, key
    for partition, entries in by_partition.items():
        codecs, stored_records = stored_codecs(broker, probe, topic, partition)
        assert stored_records == len(entries), f"partition {partition}"
        # librdkafka sends a batch uncompressed when compressing would not make it
        # smaller (the first, tiny batches), so only other codecs are ruled out. It
        # compresses with lz4 only for a broker that advertises FindCoordinator (its
        # feature map in rdkafka_feature.c dates LZ4 support by that API).
        assert codec in codecs and set(codecs) <= {codec, "none"}, (
            f"partition {partition}: {dict(codecs)}")


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_python_producer_round_trips_keyed_records_per_partition_in_order(
        broker, probe, codec):
    topic = f"kafka-python-{codec}"
    create_topic(broker, topic, PARTITIONS)
    records = keyed_records(10_000)
    producer = kafka.KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                   linger_ms=20,
                                   compression_type=None if codec == "none" else codec)
    try:
        futures = [producer.send(topic, key=key.encode(), value=value.encode())
                   for key, value in records]
        producer.flush(timeout=TIMEOUT_SECONDS)
        for future in futures:
            future.get(timeout=TIMEOUT_SECONDS)
    finally:
        producer.close(timeout=TIMEOUT_SECONDS)

    by_partition = consume_all(broker, topic)
    assert_complete_and_in_order(by_partition, records)
    for partition, entries in by_partition.items():
        codecs, stored_records = stored_codecs(broker, probe, topic, partition)
        assert stored_records == len(entries), f"partition {partition}"
        # kafka-python, like librdkafka, sends a batch uncompressed when compressing
        # would not make it smaller (DefaultRecordBatchBuilder._maybe_compress): a
        # batch that caught one or two records under lz4 stays uncompressed.
        assert codec in codecs and set(codecs) <= {codec, "none"}, (
            f"partition {partition}: {dict(codecs)}")
