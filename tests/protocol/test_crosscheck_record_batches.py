"""Cross-checks Samsa's record batch reader and builder against kafka-python.

Record batches (message format v2) are built by kafka-python's DefaultRecordBatchBuilder
(and MemoryRecordsBuilder, its producer's path) in every codec, and parsed by the probe's
`batch` command: CRC verified, records decompressed, and the batch rebuilt by Samsa's
record_batch_builder from the records it read, without compression. Samsa must read
every header field and record, and rebuild (uncompressed) the exact bytes kafka-python
builds without compression. See crosscheck_support for how to run the cross-checks.
"""

import dataclasses
import struct

import pytest
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecordsBuilder

from crosscheck_support import assert_json_matches

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TIMESTAMP_MS = 1700000000000
# Makes every case compressible: kafka-python sends a batch uncompressed when compressing
# would not shrink it, and a compressed case must really be compressed.
COMPRESSIBLE_VALUE = b"samsa " * 64


@dataclasses.dataclass(frozen=True)
class Record:
    offset: int
    timestamp_ms: int
    key: object
    value: object
    headers: tuple = ()


@dataclasses.dataclass(frozen=True)
class BatchCase:
    name: str
    records: tuple
    is_transactional: bool = False
    producer_id: int = -1
    producer_epoch: int = -1
    base_sequence: int = -1
    via_memory_records_builder: bool = False


def many_records(count):
    records = []
    for index in range(count):
        # Lengths that cross the 1-, 2- and 3-byte varint boundaries.
        value = bytes((index * 7 + position) % 256 for position in range(index % 300))
        records.append(Record(
            offset=index,
            timestamp_ms=BASE_TIMESTAMP_MS + index * 1000 - (index % 5) * 3000,
            key=None if index % 3 == 0 else f"key-{index}".encode(),
            value=None if index % 11 == 0 else value,
            headers=() if index % 4 else (("i", str(index).encode()),)))
    return tuple(records)


BATCH_CASES = [
    BatchCase("null_keys_and_values", (
        Record(0, BASE_TIMESTAMP_MS, None, COMPRESSIBLE_VALUE),
        Record(1, BASE_TIMESTAMP_MS + 1, b"key", None),
        Record(2, BASE_TIMESTAMP_MS + 2, None, None),
    )),
    BatchCase("empty_keys_and_values", (
        Record(0, BASE_TIMESTAMP_MS, b"", b""),
        Record(1, BASE_TIMESTAMP_MS, b"", COMPRESSIBLE_VALUE),
        Record(2, BASE_TIMESTAMP_MS, COMPRESSIBLE_VALUE, b""),
    )),
    BatchCase("headers", (
        Record(0, BASE_TIMESTAMP_MS, b"k", COMPRESSIBLE_VALUE, (
            ("content-type", b"application/json"),
            ("\u00fcnic\u00f8de-\U0001f600", b"\x00\xff"),
            ("null-value", None),
            ("", b""),
            ("duplicate", b"first"),
            ("duplicate", b"second"),
        )),
        Record(1, BASE_TIMESTAMP_MS + 5, None, None, (("only", COMPRESSIBLE_VALUE),)),
        Record(2, BASE_TIMESTAMP_MS + 6, b"k", b"v", ()),
    )),
    BatchCase("many_records", many_records(1000)),
    BatchCase("large_value", (
        Record(0, BASE_TIMESTAMP_MS, b"big", COMPRESSIBLE_VALUE * 300 + bytes(range(256))),
        Record(1, BASE_TIMESTAMP_MS, b"small", b"s"),
    )),
    BatchCase("timestamps_out_of_order_and_far_apart", (
        Record(0, BASE_TIMESTAMP_MS, None, COMPRESSIBLE_VALUE),
        Record(1, BASE_TIMESTAMP_MS - 86400000, None, b"a day earlier"),
        Record(2, BASE_TIMESTAMP_MS + (1 << 40), None, b"much later"),
        Record(3, 0, None, b"epoch"),
    )),
    BatchCase("no_timestamps", (
        Record(0, -1, b"a", COMPRESSIBLE_VALUE),
        Record(1, -1, b"b", b"v"),
    )),
    BatchCase("sparse_offsets_as_after_compaction", (
        Record(0, BASE_TIMESTAMP_MS, b"a", COMPRESSIBLE_VALUE),
        Record(3, BASE_TIMESTAMP_MS + 3, b"b", b"v"),
        Record(200, BASE_TIMESTAMP_MS + 200, b"c", b"w"),
    )),
    BatchCase("idempotent_producer", (
        Record(0, BASE_TIMESTAMP_MS, b"k", COMPRESSIBLE_VALUE),
        Record(1, BASE_TIMESTAMP_MS, b"k", b"v"),
    ), producer_id=123456789012, producer_epoch=5, base_sequence=2147483000),
    BatchCase("transactional_producer", (
        Record(0, BASE_TIMESTAMP_MS, b"k", COMPRESSIBLE_VALUE),
    ), is_transactional=True, producer_id=7, producer_epoch=32767, base_sequence=0),
    BatchCase("memory_records_builder", (
        Record(0, BASE_TIMESTAMP_MS, b"k0", COMPRESSIBLE_VALUE, (("h", b"1"),)),
        Record(1, BASE_TIMESTAMP_MS + 10, None, b"v1"),
        Record(2, BASE_TIMESTAMP_MS + 20, b"k2", None),
    ), via_memory_records_builder=True),
]


def kafka_python_batch(case, codec):
    if case.via_memory_records_builder:
        builder = MemoryRecordsBuilder(magic=2, compression_type=codec, batch_size=1 << 30)
        for record in case.records:
            assert builder.next_offset() == record.offset
            assert builder.append(record.timestamp_ms, record.key, record.value,
                                  list(record.headers)) is not None
        builder.close()
        return bytes(builder.buffer())
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=case.is_transactional,
        producer_id=case.producer_id, producer_epoch=case.producer_epoch,
        base_sequence=case.base_sequence, batch_size=1 << 30)
    for record in case.records:
        assert builder.append(record.offset, record.timestamp_ms, record.key, record.value,
                              list(record.headers)) is not None
    return bytes(builder.build())


def batch_params():
    for case in BATCH_CASES:
        for codec_name in CODECS:
            yield pytest.param(case, codec_name, id=f"{case.name}-{codec_name}")


def hex_or_null(value):
    return None if value is None else bytes(value).hex()


def expected_header(case, codec_name, batch):
    """The header fields as kafka-python's own header struct reads them back, checked
    against what the case asked kafka-python to write."""
    (base_offset, batch_length, partition_leader_epoch, magic, crc, attributes,
     last_offset_delta, base_timestamp, max_timestamp, producer_id, producer_epoch,
     base_sequence, record_count) = DefaultRecordBatch.HEADER_STRUCT.unpack_from(batch)
    assert attributes & DefaultRecordBatch.CODEC_MASK == CODECS[codec_name], (
        "kafka-python did not compress the batch: the case is not compressible enough")
    assert record_count == len(case.records)
    assert last_offset_delta == case.records[-1].offset
    return {
        "base_offset": base_offset,
        "batch_length": batch_length,
        "partition_leader_epoch": partition_leader_epoch,
        "magic": magic,
        "crc": crc,
        "attributes": attributes,
        "codec": codec_name,
        "timestamp_type": "create_time",
        "is_transactional": case.is_transactional,
        "is_control": False,
        "last_offset_delta": last_offset_delta,
        "base_timestamp": base_timestamp,
        "max_timestamp": max_timestamp,
        "producer_id": producer_id,
        "producer_epoch": producer_epoch,
        "base_sequence": base_sequence,
        "record_count": record_count,
    }


def expected_records(case):
    first_timestamp_ms = case.records[0].timestamp_ms
    return [{
        "attributes": 0,
        "offset_delta": record.offset,
        "timestamp_delta": record.timestamp_ms - first_timestamp_ms,
        "key": hex_or_null(record.key),
        "value": hex_or_null(record.value),
        "headers": [{"key": key.encode("utf-8").hex(), "value": hex_or_null(value)}
                    for key, value in record.headers],
    } for record in case.records]


def probe_batch(probe, batch):
    answer = probe.batch(batch)
    assert "error" not in answer, f"Samsa failed to read kafka-python's batch: {answer}"
    return answer


@pytest.mark.parametrize("case, codec_name", batch_params())
def test_samsa_reads_every_header_field_of_kafka_python_batch(probe, case, codec_name):
    batch = kafka_python_batch(case, CODECS[codec_name])
    answer = probe_batch(probe, batch)
    assert_json_matches(answer, expected_header(case, codec_name, batch), "batch")


@pytest.mark.parametrize("case, codec_name", batch_params())
def test_samsa_reads_every_record_of_kafka_python_batch(probe, case, codec_name):
    batch = kafka_python_batch(case, CODECS[codec_name])
    answer = probe_batch(probe, batch)
    assert_json_matches(answer["records"], expected_records(case), "batch.records")


@pytest.mark.parametrize("case, codec_name", batch_params())
def test_samsa_rebuilds_the_uncompressed_batch_kafka_python_builds(probe, case, codec_name):
    """For codec none this is kafka-python's batch itself; for the others, Samsa rebuilds
    without compression from the records it decompressed, and must get the bytes
    kafka-python builds from the same records without compression."""
    answer = probe_batch(probe, kafka_python_batch(case, CODECS[codec_name]))
    assert answer["rebuilt"] == kafka_python_batch(case, CODECS["none"]).hex()


@pytest.mark.parametrize("codec_name", CODECS)
def test_samsa_rejects_kafka_python_batch_with_a_corrupted_record_byte(probe, codec_name):
    batch = bytearray(kafka_python_batch(BATCH_CASES[0], CODECS[codec_name]))
    batch[-1] ^= 0x01
    answer = probe.batch(batch)
    assert "error" in answer and "crc" in answer["error"].lower(), answer


def test_samsa_accepts_a_new_partition_leader_epoch_which_the_crc_does_not_cover(probe):
    batch = bytearray(kafka_python_batch(BATCH_CASES[0], CODECS["none"]))
    struct.pack_into(">i", batch, 12, 41)
    answer = probe_batch(probe, batch)
    assert answer["partition_leader_epoch"] == 41
    assert answer["rebuilt"] == bytes(batch).hex()
