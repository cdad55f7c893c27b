"""Decoding with Samsa's own codecs, through tools/protocol_probe, and the request/response
round trips the tests make with it.

The probe reads one command per line on stdin and answers one JSON object per line:
  request <hex>                            -> {"header_version", "header", "body", ...}
  response <api_key> <api_version> <hex>   -> the same for a response
  batch <hex>                              -> one record batch: header fields and records
with hex of header + body (no size prefix), and {"error": "..."} when decoding fails.
Field names are the schemas' in snake_case (error_code, api_keys, cluster_id, ...).
"""

import base64
import json
import selectors
import struct
import subprocess

from kafka.record import MemoryRecords

import kafka_wire

# A probe answer is one line; a stuck probe must not hang the suite.
PROBE_TIMEOUT_SECONDS = 30
# A v2 batch starts with base_offset int64 and batch_length int32 (the bytes after it).
BATCH_LENGTH_OFFSET = 8
BATCH_PREFIX_BYTES = 12


class ProtocolProbe:
    """Line-by-line client of one running protocol_probe process."""

    def __init__(self, path):
        self._process = subprocess.Popen(
            [str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8")

    def command(self, line):
        """Sends one command line and returns the JSON answer, error or not."""
        assert "\n" not in line
        if self._process.poll() is not None:
            raise RuntimeError(f"protocol_probe exited with status {self._process.returncode}")
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(PROBE_TIMEOUT_SECONDS):
                raise RuntimeError(
                    f"protocol_probe gave no answer within {PROBE_TIMEOUT_SECONDS}s")
        answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"protocol_probe closed its output after: {line[:200]}")
        return json.loads(answer)

    def decode_request(self, frame):
        """A request frame (header + body, no size prefix) as Samsa decodes it."""
        return _checked(self.command("request " + bytes(frame).hex()), frame)

    def decode_response(self, api_key, api_version, frame):
        """A response frame (header + body, no size prefix) as Samsa decodes it."""
        answer = self.command(f"response {api_key} {api_version} {bytes(frame).hex()}")
        return _checked(answer, frame)

    def schema_max_version(self, api_key):
        """The highest version of an API that Samsa's codecs (so Kafka's schemas) have."""
        for version in range(0x7FFF):
            header_start = _int16_hex(api_key) + _int16_hex(version + 1)
            error = self.command("request " + header_start).get("error")
            assert error != "unknown api key", f"the schemas have no API key {api_key}"
            if error == "unsupported version":
                return version
        raise AssertionError(f"API key {api_key} has every version")

    def close(self):
        self._process.stdin.close()
        try:
            self._process.wait(timeout=PROBE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _int16_hex(value):
    return kafka_wire.int16(value).hex()


def _checked(answer, frame):
    assert "error" not in answer, (
        f"Samsa's codecs cannot decode the frame ({answer['error']}): {bytes(frame).hex()}")
    return answer


# ---------------------------------------------------------------------------------------
# Round trips: send a request on a kafka_wire.Connection, decode the answer.
# ---------------------------------------------------------------------------------------


def call(connection, probe, api_key, api_version, body, **header_options):
    """Sends one request and returns the decoded response {"header", "body", ...}."""
    frame = connection.request(api_key, api_version, body, **header_options)
    return probe.decode_response(api_key, api_version, frame)


def api_versions(connection, probe, version=0, **body_options):
    """The decoded ApiVersions response body."""
    body = kafka_wire.api_versions_request(version, **body_options)
    return call(connection, probe, kafka_wire.API_VERSIONS, version, body)["body"]


def advertised_versions(connection, probe):
    """{api_key: (min_version, max_version)} from an ApiVersions v0 request."""
    answer = api_versions(connection, probe, 0)
    assert answer["error_code"] == 0, answer
    return {api["api_key"]: (api["min_version"], api["max_version"])
            for api in answer["api_keys"]}


def metadata(connection, probe, version, **body_options):
    """The decoded Metadata response body."""
    body = kafka_wire.metadata_request(version, **body_options)
    return call(connection, probe, kafka_wire.METADATA, version, body)["body"]


def produce(connection, probe, version, topic_data, **body_options):
    """The decoded Produce response body (acks 0 has none: do not use it for that)."""
    body = kafka_wire.produce_request(version, topic_data, **body_options)
    return call(connection, probe, kafka_wire.PRODUCE, version, body)["body"]


def fetch(connection, probe, version, topics, timeout_seconds=kafka_wire.DEFAULT_TIMEOUT_SECONDS,
          **body_options):
    """The decoded Fetch response body; `timeout_seconds` must outlast max_wait_ms."""
    body = kafka_wire.fetch_request(version, topics, **body_options)
    frame = connection.request(kafka_wire.FETCH, version, body, timeout_seconds)
    return probe.decode_response(kafka_wire.FETCH, version, frame)["body"]


def topic_id_bytes(topic_id_json):
    """The 16 bytes of a topic id as the probe prints it (Kafka's Uuid.toString: URL-safe
    base64 without padding)."""
    return base64.urlsafe_b64decode(topic_id_json + "==")


def fetched_records(partition_data):
    """[(offset, key, value, headers)] of a Fetch response partition, read with
    kafka-python's record codec (CRCs checked). A partial batch at the end, which a broker
    may send when the response's size limit cuts it, is dropped as clients drop it."""
    records = []
    raw = bytes.fromhex(partition_data["records"] or "")
    batches = MemoryRecords(raw)
    while batches.has_next():
        batch = batches.next_batch()
        if batch is None:
            break
        assert batch.validate_crc(), "a fetched batch fails its CRC"
        for record in batch:
            records.append((record.offset, record.key, record.value, list(record.headers)))
    return records


def stored_batches(probe, partition_dir):
    """The record batches of a partition directory's segment files (<data dir>/<topic>-<n>)
    in log order, each as the probe's `batch` command decodes it: header fields ("codec",
    "timestamp_type", "max_timestamp", "record_count", ...) and records, CRC verified."""
    batches = []
    for segment in sorted(partition_dir.glob("*.log")):
        data = segment.read_bytes()
        position = 0
        while position + BATCH_PREFIX_BYTES <= len(data):
            (length,) = struct.unpack_from(">i", data, position + BATCH_LENGTH_OFFSET)
            if length <= 0:
                break  # the preallocated tail of a segment, if any
            stored = data[position:position + BATCH_PREFIX_BYTES + length]
            batch = probe.command("batch " + stored.hex())
            assert "error" not in batch, f"{segment} at {position}: {batch}"
            batches.append(batch)
            position += BATCH_PREFIX_BYTES + length
    return batches
