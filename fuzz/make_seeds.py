#!/usr/bin/python3
"""Writes the committed seed corpora of the fuzzers (fuzz/corpus/<target>/).

    fuzz/make_seeds.py [--schemas ../shared/kafka-protocol] [--storage-writer build/...]
                       [--probe build/tools/protocol_probe/protocol_probe]

request_fuzzer: one frame (header + body, no size prefix) for every version of every
    request in Kafka's schemas, encoded from the schema with every field present and one
    element in every array, plus the same at each API's highest version with empty arrays
    and nulls, and Produce frames carrying real record batches of each codec. With --probe,
    each frame is checked to decode with the protocol probe first.
record_batch_fuzzer: a flags byte (see record_batch_fuzzer.cc) and real v2 record batches:
    each codec (snappy in both framings), headers, null keys and values, transactional and
    control batches, several batches in one buffer, and decompression bombs (zeros that
    decompress past the bounds), which must be refused.
segment_recovery_fuzzer: a flags byte and a .log file: batches with increasing offsets in
    every codec, a torn tail, garbage after the batches, and (with --storage-writer) real
    segments written by tools/storage_writer.
properties_fuzzer: server.properties-like files with comments, escapes, continuations and
    line ends of every kind.

The output is deterministic but for the storage_writer segments. Existing seeds of the
same names are overwritten; other files are left alone.
"""

import argparse
import gzip
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import lz4.frame
import snappy
import zstandard

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools" / "codegen"))
import schema  # noqa: E402  (tools/codegen/schema.py: the generator's model of the schemas)

CORPUS = REPO / "fuzz" / "corpus"
# The fuzzers' clock (now_ms in record_batch_fuzzer.cc): record timestamps near it pass the
# broker's timestamp checks.
BASE_TIMESTAMP_MS = 1_700_000_000_000

# ---------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------

CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    CRC32C_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def uvarint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint(value):
    return uvarint((value << 1) ^ (value >> 63))


# ---------------------------------------------------------------------------------------
# Record batches (message format v2; src/protocol/record_batch_format.h)
# ---------------------------------------------------------------------------------------

GZIP, SNAPPY, LZ4, ZSTD = 1, 2, 3, 4


def record(offset_delta, key, value, headers=(), timestamp_delta=0):
    body = b"\x00" + varint(timestamp_delta) + varint(offset_delta)
    for part in (key, value):
        body += varint(-1) if part is None else varint(len(part)) + part
    body += varint(len(headers))
    for header_key, header_value in headers:
        body += varint(len(header_key)) + header_key
        body += varint(-1) if header_value is None else varint(len(header_value)) + header_value
    return varint(len(body)) + body


def xerial(data, block_bytes=32 * 1024):
    out = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
    for start in range(0, max(len(data), 1), block_bytes):
        block = snappy.compress(data[start:start + block_bytes])
        out += struct.pack(">i", len(block)) + block
    return out


def compress(codec, data, bare_snappy=False):
    if codec == 0:
        return data
    if codec == GZIP:
        return gzip.compress(data, compresslevel=6, mtime=0)
    if codec == SNAPPY:
        return snappy.compress(data) if bare_snappy else xerial(data)
    if codec == LZ4:
        return lz4.frame.compress(data, block_size=lz4.frame.BLOCKSIZE_MAX64KB,
                                  content_checksum=False, block_linked=False)
    if codec == ZSTD:
        return zstandard.ZstdCompressor(level=3).compress(data)
    raise ValueError(codec)


def batch(records, *, base_offset=0, codec=0, payload=None, record_count=None,
          last_offset_delta=None, transactional=False, control=False, producer_id=-1,
          producer_epoch=-1, base_sequence=-1, max_timestamp_ms=None, bare_snappy=False):
    """One batch. `records` are encoded records (record()); `payload`, when given, replaces
    their compressed form (a bomb)."""
    if payload is None:
        payload = compress(codec, b"".join(records), bare_snappy)
    count = len(records) if record_count is None else record_count
    if last_offset_delta is None:
        last_offset_delta = max(count - 1, 0)
    attributes = codec | (0x10 if transactional else 0) | (0x20 if control else 0)
    if max_timestamp_ms is None:
        max_timestamp_ms = BASE_TIMESTAMP_MS
    after_crc = (struct.pack(">hiqqqhii", attributes, last_offset_delta, BASE_TIMESTAMP_MS,
                             max_timestamp_ms, producer_id, producer_epoch, base_sequence,
                             count)
                 + payload)
    after_length = struct.pack(">ib", -1, 2) + struct.pack(">I", crc32c(after_crc)) + after_crc
    return struct.pack(">qi", base_offset, len(after_length)) + after_length


def sample_records(count=3, with_headers=True):
    out = []
    for i in range(count):
        headers = [(b"trace", b"abc%d" % i), (b"empty", None)] if with_headers else []
        key = None if i == 1 else b"key-%d" % i
        value = None if i == 2 else b"value %d " % i * 3
        out.append(record(i, key, value, headers, timestamp_delta=i))
    return out


def control_batch(commit=True, base_offset=0):
    key = struct.pack(">hh", 0, 1 if commit else 0)
    value = struct.pack(">hi", 0, 5)
    return batch([record(0, key, value)], base_offset=base_offset, transactional=True,
                 control=True, producer_id=1000, producer_epoch=0)


def bomb(codec, zeros):
    """A batch of one record whose compressed payload decodes to `zeros` zero bytes."""
    data = b"\x00" * zeros
    payload = compress(codec, data)
    return batch([record(0, None, b"x")], codec=codec, payload=payload)


def forged_snappy_bomb():
    """Xerial framing around a raw snappy block whose preamble claims 2 GiB."""
    block = uvarint(0x7FFFFFFF) + b"\x00"
    payload = b"\x82SNAPPY\x00" + struct.pack(">iii", 1, 1, len(block)) + block
    return batch([record(0, None, b"x")], codec=SNAPPY, payload=payload)


# ---------------------------------------------------------------------------------------
# Request frames from the schemas
# ---------------------------------------------------------------------------------------


class BodyEncoder:
    """Encodes a request body at one version: every field the version has, with a simple
    non-default value, arrays of one element (or none, and nulls, when `empty`)."""

    def __init__(self, message, version, empty=False, records=None):
        self.message = message
        self.version = version
        self.flexible = message.flexible_versions.includes(version)
        self.empty = empty
        self.records = records or batch(sample_records(2))

    def struct(self, fields):
        out = b""
        tagged = []
        for f in fields:
            if not f.versions.includes(self.version):
                continue
            if self.flexible and f.tagged_versions.includes(self.version):
                tagged.append((f.tag, self.value(f, compact=True)))
                continue
            if f.flexible_override is not None:
                compact = f.flexible_override.includes(self.version)
            else:
                compact = self.flexible
            out += self.value(f, compact)
        if self.flexible:
            out += uvarint(len(tagged))
            for tag, data in sorted(tagged):
                out += uvarint(tag) + uvarint(len(data)) + data
        return out

    def value(self, f, compact):
        nullable = f.nullable_versions.includes(self.version)
        if f.is_array:
            if self.empty and nullable:
                return uvarint(0) if compact else struct.pack(">i", -1)
            elements = [] if self.empty else [self.single(f.element_type, f, compact)]
            count = uvarint(len(elements) + 1) if compact else struct.pack(">i", len(elements))
            return count + b"".join(elements)
        if f.type not in schema.PRIMITIVES:
            if self.empty and nullable:
                return struct.pack(">b", -1)
            presence = struct.pack(">b", 1) if nullable else b""
            return presence + self.single(f.type, f, compact)
        if self.empty and nullable and f.type in ("string", "bytes", "records"):
            if compact:
                return uvarint(0)
            return struct.pack(">h" if f.type == "string" else ">i", -1)
        return self.single(f.type, f, compact)

    def single(self, type_name, f, compact):
        if type_name not in schema.PRIMITIVES:
            return self.struct(self.message.structs[type_name].fields)
        if type_name == "bool":
            return b"\x01"
        if type_name in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            code = {"int8": ">b", "int16": ">h", "uint16": ">H", "int32": ">i",
                    "uint32": ">I", "int64": ">q"}[type_name]
            return struct.pack(code, 1)
        if type_name == "float64":
            return struct.pack(">d", 1.5)
        if type_name == "uuid":
            return bytes(range(1, 17))
        if type_name == "string":
            text = b"fuzz-" + f.name.lower().encode()
            return (uvarint(len(text) + 1) if compact else struct.pack(">h", len(text))) + text
        data = self.records if type_name == "records" else b"\x01\x02\x03"
        return (uvarint(len(data) + 1) if compact else struct.pack(">i", len(data))) + data


def request_header(message, version, correlation_id):
    header_version = 2 if message.flexible_versions.includes(version) else 1
    if message.api_key == 7 and version == 0:  # ControlledShutdown v0: header v0
        header_version = 0
    out = struct.pack(">hhi", message.api_key, version, correlation_id)
    if header_version >= 1:
        out += struct.pack(">h", 4) + b"fuzz"
    if header_version >= 2:
        out += uvarint(0)
    return out


def request_seeds(schemas):
    seeds = {}
    produce = None
    for message in schema.load_all(schemas):
        if message.kind != "request" or message.api_key is None:
            continue
        name = schema.snake_case(message.name)
        valid = message.valid_versions
        for version in range(valid.lowest, valid.highest + 1):
            body = BodyEncoder(message, version).struct(message.top.fields)
            seeds[f"{name}_v{version}"] = request_header(message, version, version) + body
        empty = BodyEncoder(message, valid.highest, empty=True).struct(message.top.fields)
        seeds[f"{name}_v{valid.highest}_empty"] = request_header(message, valid.highest, 1) + empty
        if message.api_key == 0:
            produce = message
    for codec, codec_name in ((GZIP, "gzip"), (SNAPPY, "snappy"), (LZ4, "lz4"), (ZSTD, "zstd")):
        records = batch(sample_records(3), codec=codec)
        for version in (3, produce.valid_versions.highest):
            body = BodyEncoder(produce, version, records=records).struct(produce.top.fields)
            seeds[f"produce_request_v{version}_{codec_name}"] = (
                request_header(produce, version, 7) + body)
    return seeds


def check_with_probe(probe, seeds):
    lines = "".join(f"request {frame.hex()}\n" for frame in seeds.values())
    answers = subprocess.run([probe], input=lines, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    failed = [(name, answer) for name, answer in zip(seeds, answers) if '"error"' in answer]
    for name, answer in failed:
        print(f"probe refuses {name}: {answer}", file=sys.stderr)
    if failed or len(answers) != len(seeds):
        sys.exit(f"{len(failed)} request seeds do not decode")


# ---------------------------------------------------------------------------------------
# Record batches, segments, properties
# ---------------------------------------------------------------------------------------

# record_batch_fuzzer flags: bit 0 fix up CRCs, bit 1 small bound, bits 2-4 compression.type
# (0 producer .. 5 zstd), bit 5 compact, bit 6 LogAppendTime, bit 7 Produce v2.
FIX_CRC, SMALL_BOUND, COMPACT, APPEND_TIME, PRODUCE_V2 = 0x01, 0x02, 0x20, 0x40, 0x80


def topic_codec(index):
    return index << 2


def record_batch_seeds():
    seeds = {"empty_batch": bytes([FIX_CRC]) + batch([], record_count=0)}
    names = {0: "none", GZIP: "gzip", SNAPPY: "snappy", LZ4: "lz4", ZSTD: "zstd"}
    for codec, name in names.items():
        seeds[f"{name}"] = bytes([FIX_CRC]) + batch(sample_records(), codec=codec)
        seeds[f"{name}_to_zstd"] = bytes([FIX_CRC | topic_codec(5)]) + batch(
            sample_records(2), codec=codec)
        seeds[f"{name}_to_none_compact"] = bytes([FIX_CRC | topic_codec(1) | COMPACT]) + batch(
            sample_records(2, with_headers=False), codec=codec)
        seeds[f"{name}_idempotent_raw"] = bytes([0]) + batch(
            sample_records(4), codec=codec, producer_id=77, producer_epoch=2, base_sequence=10)
    seeds["snappy_bare_block"] = bytes([FIX_CRC]) + batch(sample_records(), codec=SNAPPY,
                                                          bare_snappy=True)
    seeds["gzip_to_lz4_append_time"] = bytes([FIX_CRC | topic_codec(4) | APPEND_TIME]) + batch(
        sample_records(), codec=GZIP)
    seeds["none_produce_v2"] = bytes([FIX_CRC | PRODUCE_V2]) + batch(sample_records())
    seeds["transactional"] = bytes([FIX_CRC]) + batch(
        sample_records(2), codec=LZ4, transactional=True, producer_id=5, producer_epoch=1,
        base_sequence=0)
    seeds["control_commit"] = bytes([FIX_CRC]) + control_batch(commit=True)
    seeds["control_abort"] = bytes([FIX_CRC]) + control_batch(commit=False)
    seeds["three_batches"] = bytes([FIX_CRC]) + b"".join(
        batch(sample_records(2), base_offset=i * 2, codec=codec)
        for i, codec in enumerate((0, ZSTD, SNAPPY)))
    seeds["partial_second_batch"] = bytes([FIX_CRC]) + batch(sample_records(1)) + batch(
        sample_records(2), codec=GZIP)[:40]
    # Payloads of several codec blocks (lz4 64 KiB, xerial 32 KiB).
    large = [record(i, b"k", bytes(range(256)) * 200) for i in range(8)]
    seeds["lz4_multi_block"] = bytes([FIX_CRC]) + batch(large, codec=LZ4)
    seeds["snappy_multi_block"] = bytes([FIX_CRC]) + batch(large, codec=SNAPPY)
    # Bombs: refused with too_large at the bound (bit 1: 1 MiB; otherwise the broker's 64 MiB).
    seeds["bomb_gzip_2mib"] = bytes([FIX_CRC | SMALL_BOUND]) + bomb(GZIP, 2 << 20)
    seeds["bomb_lz4_2mib"] = bytes([FIX_CRC | SMALL_BOUND]) + bomb(LZ4, 2 << 20)
    seeds["bomb_zstd_128mib"] = bytes([FIX_CRC]) + bomb(ZSTD, 128 << 20)
    seeds["bomb_zstd_4mib"] = bytes([FIX_CRC | SMALL_BOUND]) + bomb(ZSTD, 4 << 20)
    seeds["bomb_snappy_forged_length"] = bytes([FIX_CRC]) + forged_snappy_bomb()
    return seeds


def segment(batches):
    """Batches at increasing offsets from 0: (records, codec) pairs."""
    out = b""
    next_offset = 0
    for records, codec in batches:
        out += batch(records, base_offset=next_offset, codec=codec)
        next_offset += max(len(records), 1)
    return out


def segment_seeds(storage_writer):
    every_codec = segment([(sample_records(3), codec) for codec in (0, GZIP, SNAPPY, LZ4, ZSTD)])
    seeds = {
        "every_codec": bytes([FIX_CRC]) + every_codec,
        "every_codec_raw": bytes([0]) + every_codec,
        "torn_tail": bytes([FIX_CRC]) + every_codec[:-17],
        "garbage_tail": bytes([FIX_CRC]) + every_codec + b"\x00" * 30 + b"\xff" * 30,
        "zero_filled_tail": bytes([FIX_CRC]) + every_codec + b"\x00" * 4096,
        "offset_gap_and_control": bytes([FIX_CRC]) + batch(sample_records(2)) + batch(
            sample_records(2), base_offset=100, codec=ZSTD, transactional=True, producer_id=9,
            producer_epoch=0) + control_batch(base_offset=102),
        "offsets_going_back": bytes([FIX_CRC]) + batch(sample_records(3), base_offset=10) + batch(
            sample_records(1), base_offset=5),
        "many_small_batches": bytes([FIX_CRC]) + segment(
            [([record(0, b"k%d" % i, b"v" * (i % 50))], 0) for i in range(120)]),
    }
    if storage_writer:
        with tempfile.TemporaryDirectory() as directory:
            subprocess.run([storage_writer, "append", directory, "--segment-bytes", "6000",
                            "--max-batches", "40", "--batch-records", "3",
                            "--record-bytes", "60"], check=True, capture_output=True,
                           timeout=60)
            logs = sorted(Path(directory).glob("*.log"))
            for index, log in enumerate(logs[:2]):
                seeds[f"storage_writer_{index}"] = bytes([0]) + log.read_bytes()
    return seeds


PROPERTIES = {
    "server.properties": """\
# Licensed to the Apache Software Foundation (ASF)
############################# Server Basics #############################
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
num.network.threads=3
socket.send.buffer.bytes=102400
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
log.retention.hours=168
log.segment.bytes=1073741824
""",
    "escapes.properties": (
        "key\\ with\\ spaces = value with spaces  \n"
        "colon\\:key:colon value\n"
        "equals\\=key=a=b=c\n"
        "tabs\\tand\\nnewlines=line1\\nline2\\r\\f\n"
        "unicode=\\u00e9t\\u00E9 \\u4e2d\\u6587 \\uD83D\n"
        "backslash=C:\\\\path\\\\to\\\\file\n"
        "trailing=\\\n"
        "=empty key\n"
        "empty.value=\n"
        "only.key\n"
        "  ! bang comment\n"
        "dup=first\n"
        "dup=second\n"),
    "continuations.properties": (
        "fruits                           apple, banana, pear, \\\n"
        "                                 cantaloupe, watermelon, \\\n"
        "                                 kiwi, mango\n"
        "even\\\\=backslashes\\\\\n"
        "odd=three\\\\\\\n"
        "   continued\n"
        "\\\n"
        "last.line.continues=\\"),
    "line_ends.properties": "crlf=1\r\ncr=2\rlf=3\n\r\n\f\t # comment\r\nmixed : 4\r",
    "malformed_unicode.properties": "ok=1\nbad=\\u12G4\n",
    "short_unicode.properties": "bad=\\u12",
}


def write(target, seeds):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    total = sum(len(d) for d in seeds.values())
    print(f"{target}: {len(seeds)} seeds, {total} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=Path, default=REPO.parent / "shared" / "kafka-protocol")
    parser.add_argument("--storage-writer", help="tools/storage_writer binary, for real segments")
    parser.add_argument("--probe", help="tools/protocol_probe binary, to check the request seeds")
    args = parser.parse_args()

    requests = request_seeds(args.schemas)
    if args.probe:
        check_with_probe(args.probe, requests)
    write("request_fuzzer", requests)
    write("record_batch_fuzzer", record_batch_seeds())
    write("segment_recovery_fuzzer", segment_seeds(args.storage_writer))
    write("properties_fuzzer", PROPERTIES)


if __name__ == "__main__":
    main()
