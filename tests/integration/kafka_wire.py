"""The Kafka wire protocol as the integration tests speak it: request encoding, framing and
a blocking connection that tells a response from a connection the broker closed.

Encoding (Kafka protocol guide): integers are big-endian. STRING is an int16 length and
UTF-8 bytes (length -1: null); ARRAY an int32 count (-1: null). Flexible versions use
COMPACT_STRING and COMPACT_ARRAY, whose length is an unsigned varint of length + 1
(0: null), and end every struct with tagged fields: an unsigned varint count, then per
field an unsigned varint tag, an unsigned varint size and the bytes.

A request on the wire is a 4-byte size prefix (the size of what follows), a header and
the body. Request header versions:
  v0: api_key int16, api_version int16, correlation_id int32
  v1: v0 + client_id nullable STRING (never compact, even in v2)
  v2: v1 + tagged fields; used by the flexible versions of an API
A response starts with correlation_id int32 (header v0), then tagged fields for flexible
versions (header v1) except ApiVersions, which always answers with header v0. Responses
are decoded by the protocol probe (kafka_probe.py), never by hand here; the record batches
a request carries are built, and those of a response read, by kafka-python's record codec.
"""

import errno
import socket
import struct
import time

from kafka.record.default_records import DefaultRecordBatchBuilder

PRODUCE = 0
FETCH = 1
LIST_OFFSETS = 2
METADATA = 3
API_VERSIONS = 18
INIT_PRODUCER_ID = 22
ADD_PARTITIONS_TO_TXN = 24
ADD_OFFSETS_TO_TXN = 25
END_TXN = 26
WRITE_TXN_MARKERS = 27
TXN_OFFSET_COMMIT = 28
DESCRIBE_TRANSACTIONS = 65
LIST_TRANSACTIONS = 66

# First flexible version of each API the tests encode (from Kafka's JSON schemas).
FIRST_FLEXIBLE_VERSION = {PRODUCE: 9, FETCH: 12, METADATA: 9, API_VERSIONS: 3,
                          INIT_PRODUCER_ID: 2, ADD_PARTITIONS_TO_TXN: 3, ADD_OFFSETS_TO_TXN: 3,
                          END_TXN: 3, WRITE_TXN_MARKERS: 1, TXN_OFFSET_COMMIT: 3,
                          DESCRIBE_TRANSACTIONS: 0, LIST_TRANSACTIONS: 0}
FIRST_FLEXIBLE_VERSION[LIST_OFFSETS] = 6
# Fetch names topics by topic id (UUID) instead of by name from this version.
FIRST_FETCH_VERSION_WITH_TOPIC_IDS = 13

DEFAULT_CLIENT_ID = "samsa-integration-tests"
DEFAULT_TIMEOUT_SECONDS = 10.0
ZERO_UUID = bytes(16)


# ---------------------------------------------------------------------------------------
# Primitive types
# ---------------------------------------------------------------------------------------


def int8(value):
    return struct.pack(">b", value)


def int16(value):
    return struct.pack(">h", value)


def int32(value):
    return struct.pack(">i", value)


def int64(value):
    return struct.pack(">q", value)


def boolean(value):
    return b"\x01" if value else b"\x00"


def unsigned_varint(value):
    assert value >= 0
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def string(value, *, compact=False):
    """A nullable string; `value` is str, raw bytes (to send invalid UTF-8) or None."""
    if value is None:
        return unsigned_varint(0) if compact else int16(-1)
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return (unsigned_varint(len(data) + 1) if compact else int16(len(data))) + data


def nullable_bytes(value, *, compact=False):
    """BYTES or NULLABLE_BYTES (RECORDS on the wire): an int32 length, or in flexible
    versions an unsigned varint of length + 1; None is null."""
    if value is None:
        return unsigned_varint(0) if compact else int32(-1)
    data = bytes(value)
    return (unsigned_varint(len(data) + 1) if compact else int32(len(data))) + data


def array(encoded_elements, *, compact=False):
    """A nullable array of already encoded elements."""
    if encoded_elements is None:
        return unsigned_varint(0) if compact else int32(-1)
    count = unsigned_varint(len(encoded_elements) + 1) if compact else int32(len(encoded_elements))
    return count + b"".join(encoded_elements)


def tagged_fields(fields=None):
    """Tagged fields from {tag: encoded bytes}, in ascending tag order as Kafka requires."""
    fields = fields or {}
    out = unsigned_varint(len(fields))
    for tag in sorted(fields):
        out += unsigned_varint(tag) + unsigned_varint(len(fields[tag])) + fields[tag]
    return out


# ---------------------------------------------------------------------------------------
# Headers and framing
# ---------------------------------------------------------------------------------------


def is_flexible(api_key, api_version):
    first = FIRST_FLEXIBLE_VERSION.get(api_key)
    return first is not None and api_version >= first


def request_header_version(api_key, api_version):
    """Kafka's rule; versions past the schema's maximum count as flexible, which is how
    Kafka parses a too-new ApiVersions request."""
    return 2 if is_flexible(api_key, api_version) else 1


def request_header(api_key, api_version, correlation_id, client_id=DEFAULT_CLIENT_ID,
                   header_version=None):
    if header_version is None:
        header_version = request_header_version(api_key, api_version)
    out = int16(api_key) + int16(api_version) + int32(correlation_id)
    if header_version >= 1:
        out += string(client_id)
    if header_version >= 2:
        out += tagged_fields()
    return out


def size_prefixed(payload):
    return int32(len(payload)) + payload


def request_frame(api_key, api_version, body, correlation_id, client_id=DEFAULT_CLIENT_ID,
                  header_version=None):
    """A complete request as sent on the wire, size prefix included."""
    header = request_header(api_key, api_version, correlation_id, client_id, header_version)
    return size_prefixed(header + body)


# ---------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------


def api_versions_request(version, client_software_name="samsa-tests",
                         client_software_version="1.0.0"):
    """ApiVersions body. Versions past 3 get the v3 layout, as a newer client sends."""
    if version < 3:
        return b""
    return (string(client_software_name, compact=True)
            + string(client_software_version, compact=True)
            + tagged_fields())


def metadata_request(version, topics=None, allow_auto_topic_creation=True,
                     include_cluster_authorized_operations=False,
                     include_topic_authorized_operations=False):
    """Metadata body. `topics` is a list of names, or None for a null list (all topics,
    v1+); in v0 all topics is the empty list, so None is refused there."""
    if topics is None and version < 1:
        raise ValueError("Metadata v0 has no null topic list; [] asks for all topics")
    flexible = is_flexible(METADATA, version)
    elements = None
    if topics is not None:
        elements = []
        for name in topics:
            element = ZERO_UUID if version >= 10 else b""
            element += string(name, compact=flexible)
            if flexible:
                element += tagged_fields()
            elements.append(element)
    out = array(elements, compact=flexible)
    if version >= 4:
        out += boolean(allow_auto_topic_creation)
    if 8 <= version <= 10:
        out += boolean(include_cluster_authorized_operations)
    if version >= 8:
        out += boolean(include_topic_authorized_operations)
    if flexible:
        out += tagged_fields()
    return out


def topics_array(topics, encode_partition, flexible):
    """The [topic name, [partition]] array most requests carry: `topics` is a list of
    (name, partitions), each partition encoded by `encode_partition`; flexible versions
    close every struct with an empty tagged-field section."""
    def struct(body):
        return body + tagged_fields() if flexible else body

    return array([struct(string(name, compact=flexible) +
                         array([struct(encode_partition(partition)) for partition in partitions],
                               compact=flexible))
                  for name, partitions in topics], compact=flexible)


def produce_request(version, topic_data, acks=-1, timeout_ms=30000, transactional_id=None):
    """Produce body. `topic_data` is {topic name: {partition: records}}, records being the
    bytes of record batches (record_batch()) or None; v3+ carry the transactional id."""
    flexible = is_flexible(PRODUCE, version)
    topics = [(name, partitions.items()) for name, partitions in topic_data.items()]
    out = string(transactional_id, compact=flexible) if version >= 3 else b""
    out += int16(acks) + int32(timeout_ms)
    out += topics_array(topics, lambda entry: int32(entry[0]) +
                        nullable_bytes(entry[1], compact=flexible), flexible)
    if flexible:
        out += tagged_fields()
    return out


def list_offsets_request(version, topics, isolation_level=0, replica_id=-1):
    """ListOffsets body of v1+. `topics` is a list of (topic name, [(partition, timestamp)]),
    a timestamp being -2 (earliest), -1 (latest) or a time in ms; v4+ send no leader epoch
    (-1)."""
    assert version >= 1, "ListOffsets v0 is not encoded here"
    flexible = is_flexible(LIST_OFFSETS, version)
    out = int32(replica_id)
    if version >= 2:
        out += int8(isolation_level)
    out += topics_array(topics, lambda entry: int32(entry[0]) +
                        (int32(-1) if version >= 4 else b"") + int64(entry[1]), flexible)
    if flexible:
        out += tagged_fields()
    return out


class FetchPartition:
    """One partition of a Fetch request, with Kafka's defaults for what a consumer leaves
    unset (-1: no leader epoch, no log start offset)."""

    def __init__(self, partition, fetch_offset, partition_max_bytes=1048576,
                 current_leader_epoch=-1, last_fetched_epoch=-1, log_start_offset=-1):
        self.partition = partition
        self.fetch_offset = fetch_offset
        self.partition_max_bytes = partition_max_bytes
        self.current_leader_epoch = current_leader_epoch
        self.last_fetched_epoch = last_fetched_epoch
        self.log_start_offset = log_start_offset

    def encode(self, version):
        out = int32(self.partition)
        if version >= 9:
            out += int32(self.current_leader_epoch)
        out += int64(self.fetch_offset)
        if version >= 12:
            out += int32(self.last_fetched_epoch)
        if version >= 5:
            out += int64(self.log_start_offset)
        out += int32(self.partition_max_bytes)
        if is_flexible(FETCH, version):
            out += tagged_fields()
        return out


def fetch_topic_key(version, topic):
    """A topic of a Fetch request: its name before v13, its 16-byte topic id from v13."""
    if version >= FIRST_FETCH_VERSION_WITH_TOPIC_IDS:
        assert isinstance(topic, bytes) and len(topic) == 16, "v13+ names topics by id"
        return topic
    return string(topic, compact=is_flexible(FETCH, version))


def fetch_request(version, topics, *, max_wait_ms=0, min_bytes=1, max_bytes=0x7FFFFFFF,
                  isolation_level=0, session_id=0, session_epoch=-1, forgotten_topics=(),
                  rack_id="", replica_id=-1):
    """Fetch body of v4+ (the versions Kafka 4 serves). `topics` is a list of (topic,
    [FetchPartition]) and `forgotten_topics` (v7+) a list of (topic, [partition]), a topic
    being its name before v13 and its 16-byte id from v13. The session fields are v7+."""
    assert version >= 4, "Fetch below v4 is not encoded here"
    flexible = is_flexible(FETCH, version)
    encoded_topics = []
    for topic, partitions in topics:
        element = fetch_topic_key(version, topic) + array(
            [partition.encode(version) for partition in partitions], compact=flexible)
        if flexible:
            element += tagged_fields()
        encoded_topics.append(element)
    out = int32(replica_id) if version <= 14 else b""
    out += int32(max_wait_ms) + int32(min_bytes) + int32(max_bytes) + int8(isolation_level)
    if version >= 7:
        out += int32(session_id) + int32(session_epoch)
    out += array(encoded_topics, compact=flexible)
    if version >= 7:
        forgotten = []
        for topic, partitions in forgotten_topics:
            element = fetch_topic_key(version, topic) + array(
                [int32(partition) for partition in partitions], compact=flexible)
            if flexible:
                element += tagged_fields()
            forgotten.append(element)
        out += array(forgotten, compact=flexible)
    if version >= 11:
        out += string(rack_id, compact=flexible)
    if flexible:
        out += tagged_fields()
    return out


def record_batch(records, base_timestamp_ms=None, compression_type=0, timestamps_ms=None,
                 producer_id=-1, producer_epoch=-1, base_sequence=-1, transactional=False):
    """One v2 record batch (magic 2, CRC-32C) of `records`, a list of (key, value) or
    (key, value, headers) with bytes or None and headers a list of (str, bytes). Built by
    kafka-python's DefaultRecordBatchBuilder, as its producer builds them. Every record
    has the timestamp base_timestamp_ms (default: now) unless `timestamps_ms` gives one
    per record. An idempotent producer's batch names its producer id, epoch and first
    sequence number."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=compression_type,
                                        is_transactional=int(transactional),
                                        producer_id=producer_id,
                                        producer_epoch=producer_epoch,
                                        base_sequence=base_sequence,
                                        batch_size=2**30)
    timestamp_ms = int(time.time() * 1000) if base_timestamp_ms is None else base_timestamp_ms
    if timestamps_ms is None:
        timestamps_ms = [timestamp_ms] * len(records)
    assert len(timestamps_ms) == len(records)
    for offset_delta, (record, record_timestamp_ms) in enumerate(zip(records, timestamps_ms)):
        key, value = record[0], record[1]
        headers = record[2] if len(record) > 2 else []
        assert builder.append(offset_delta, record_timestamp_ms, key, value,
                              headers) is not None
    return bytes(builder.build())


# ---------------------------------------------------------------------------------------
# Connection
# ---------------------------------------------------------------------------------------


class ConnectionClosed(Exception):
    """The broker closed the connection (end of stream or reset)."""


_CLOSED_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED}


class Connection:
    """One blocking TCP connection to the broker. Every wait has a deadline."""

    def __init__(self, host, port, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        self.socket = socket.create_connection((host, port), timeout=timeout_seconds)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._received = bytearray()
        self._next_correlation_id = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.socket.close()

    def send(self, data):
        """Sends raw bytes; ConnectionClosed when the broker has closed the connection."""
        try:
            self.socket.sendall(data)
        except OSError as error:
            if error.errno in _CLOSED_ERRNOS:
                raise ConnectionClosed(str(error)) from error
            raise

    def next_correlation_id(self):
        correlation_id = self._next_correlation_id
        self._next_correlation_id += 1
        return correlation_id

    def send_request(self, api_key, api_version, body, correlation_id=None, **header_options):
        """Frames and sends one request; returns its correlation id."""
        if correlation_id is None:
            correlation_id = self.next_correlation_id()
        self.send(request_frame(api_key, api_version, body, correlation_id, **header_options))
        return correlation_id

    def read_frame(self, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        """The next response frame (header + body, without the size prefix).
        Raises ConnectionClosed if the broker closes first, TimeoutError after the
        deadline."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            if len(self._received) >= 4:
                size = struct.unpack_from(">i", self._received)[0]
                assert size >= 4, f"the broker sent a frame size prefix of {size}"
                if len(self._received) >= 4 + size:
                    frame = bytes(self._received[4:4 + size])
                    del self._received[:4 + size]
                    return frame
            chunk = self._receive(deadline)
            if chunk is None:
                raise TimeoutError(
                    f"no complete response within {timeout_seconds}s "
                    f"({len(self._received)} bytes buffered)")
            if not chunk:
                raise ConnectionClosed(
                    f"the broker closed the connection ({len(self._received)} bytes of an "
                    f"incomplete frame buffered)")
            self._received += chunk

    def request(self, api_key, api_version, body, timeout_seconds=DEFAULT_TIMEOUT_SECONDS,
                **header_options):
        """Sends one request and returns its response frame, checking the correlation id."""
        correlation_id = self.send_request(api_key, api_version, body, **header_options)
        frame = self.read_frame(timeout_seconds)
        answered = struct.unpack_from(">i", frame)[0]
        assert answered == correlation_id, (
            f"response correlation id {answered}, request's {correlation_id}")
        return frame

    def assert_closed_by_broker(self, timeout_seconds=DEFAULT_TIMEOUT_SECONDS):
        """Passes when the broker closes the connection without sending anything more."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            chunk = self._receive(deadline)
            if chunk is None:
                raise AssertionError(
                    f"the broker kept the connection open for {timeout_seconds}s")
            if not chunk:
                assert not self._received, (
                    f"the broker sent {len(self._received)} bytes before closing: "
                    f"{bytes(self._received[:64]).hex()}")
                return
            self._received += chunk
            raise AssertionError(
                f"the broker answered instead of closing the connection: "
                f"{bytes(self._received[:64]).hex()}")

    def _receive(self, deadline):
        """Bytes received; b"" when the broker closed; None at the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self.socket.settimeout(remaining)
        try:
            return self.socket.recv(65536)
        except socket.timeout:
            return None
        except OSError as error:
            if error.errno in _CLOSED_ERRNOS:
                return b""
            raise
