"""Hostile and broken input on a connection: the broker closes that connection (Kafka's
SocketServer does, without answering) and keeps serving everyone else. Also run against
the AddressSanitizer build, so every case is quick.

The tests share one broker (shared_broker); a test that crashes it fails, and the next
test gets a fresh one."""

import random
import socket
import struct
import time

import pytest

import kafka_wire
from kafka_probe import advertised_versions, api_versions
from kafka_wire import (API_VERSIONS, METADATA, ConnectionClosed, int16, int32, size_prefixed,
                        unsigned_varint)
from process_memory import virtual_memory_peak_bytes

DEFAULT_SOCKET_REQUEST_MAX_BYTES = 104857600
NOT_IN_ANY_SCHEMA = 999


def assert_still_serving(broker, connect, probe):
    """A new connection gets an answer."""
    assert api_versions(connect(broker), probe)["error_code"] == 0


def send_ignoring_close(connection, data):
    """Sends what the broker may stop reading halfway (it may close at any point)."""
    try:
        connection.send(data)
    except ConnectionClosed:
        pass


def header_v1(api_key, api_version, correlation_id=1, client_id="hostile"):
    return kafka_wire.request_header(api_key, api_version, correlation_id, client_id, 1)


def header_v2(api_key, api_version, correlation_id=1, client_id="hostile"):
    return kafka_wire.request_header(api_key, api_version, correlation_id, client_id, 2)


# ---------------------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size_prefix", [-1, -0x80000000, 0, 0x7FFFFFFF,
                                         DEFAULT_SOCKET_REQUEST_MAX_BYTES + 1],
                         ids=["minus_one", "most_negative", "zero", "2GiB", "over_default_max"])
def test_invalid_frame_size_closes_the_connection(shared_broker, connect, probe, size_prefix):
    connection = connect(shared_broker)
    send_ignoring_close(connection, int32(size_prefix) + b"\x00" * 64)
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


def test_2gib_size_prefix_reserves_no_memory_of_that_size(start_broker, connect, probe):
    broker = start_broker()
    assert_still_serving(broker, connect, probe)
    peak_before = virtual_memory_peak_bytes(broker.pid)
    connection = connect(broker)
    connection.send(int32(0x7FFFFFFF) + b"\x00" * 64)
    connection.assert_closed_by_broker()
    assert_still_serving(broker, connect, probe)
    grown = virtual_memory_peak_bytes(broker.pid) - peak_before
    assert grown < 2**30, f"the broker's address space peaked {grown} bytes higher"


def test_frame_over_socket_request_max_bytes_is_closed_and_one_at_it_is_served(
        start_broker, connect, probe):
    broker = start_broker({"socket.request.max.bytes": 1000})
    # ApiVersions v0 is a bare header: pad the client id to make the frame exactly 1000.
    client_id = "c" * (1000 - len(header_v1(API_VERSIONS, 0, client_id="")))
    at_limit = size_prefixed(header_v1(API_VERSIONS, 0, 5, client_id))
    assert len(at_limit) == 4 + 1000
    connection = connect(broker)
    connection.send(at_limit)
    answer = probe.decode_response(API_VERSIONS, 0, connection.read_frame())
    assert answer["header"]["correlation_id"] == 5
    assert answer["body"]["error_code"] == 0

    over_limit = size_prefixed(header_v1(API_VERSIONS, 0, 6, client_id + "c"))
    connection = connect(broker)
    send_ignoring_close(connection, over_limit)
    connection.assert_closed_by_broker()
    assert_still_serving(broker, connect, probe)


@pytest.mark.parametrize("cut", ["size_prefix", "header", "body"])
def test_frame_cut_short_by_the_client_closing_leaves_the_broker_serving(
        shared_broker, connect, probe, cut):
    frame = kafka_wire.request_frame(METADATA, 12, kafka_wire.metadata_request(12, ["t"]), 1)
    cut_at = {"size_prefix": 2, "header": 9, "body": len(frame) - 3}[cut]
    connection = connect(shared_broker)
    connection.send(frame[:cut_at])
    connection.close()
    assert_still_serving(shared_broker, connect, probe)


def test_frame_cut_short_by_a_reset_leaves_the_broker_serving(shared_broker, connect, probe):
    connection = connect(shared_broker)
    connection.send(kafka_wire.request_frame(API_VERSIONS, 3, b"", 1)[:10])
    # SO_LINGER with a zero timeout: close() sends a RST instead of a FIN.
    connection.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
    assert_still_serving(shared_broker, connect, probe)


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_leave_the_broker_serving(shared_broker, connect, probe, seed):
    rng = random.Random(seed)
    garbage = rng.randbytes([1, 3, 4, 9, 4096, 65536][seed])
    connection = connect(shared_broker)
    send_ignoring_close(connection, garbage)
    connection.close()
    assert_still_serving(shared_broker, connect, probe)


@pytest.mark.parametrize("seed", range(4))
def test_frame_of_random_bytes_closes_the_connection(shared_broker, connect, probe, seed):
    rng = random.Random(seed)
    payload = bytearray(rng.randbytes(rng.randint(8, 300)))
    payload[0:2] = int16(NOT_IN_ANY_SCHEMA + seed)  # never a served API by chance
    connection = connect(shared_broker)
    send_ignoring_close(connection, size_prefixed(bytes(payload)))
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


# ---------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------

TRUNCATED_OR_MALFORMED_HEADERS = {
    "api_key_only": int16(API_VERSIONS),
    "no_correlation_id": int16(API_VERSIONS) + int16(0),
    "half_correlation_id": int16(API_VERSIONS) + int16(0) + b"\x00\x01",
    "no_client_id": int16(API_VERSIONS) + int16(0) + int32(1),
    "half_client_id_length": int16(API_VERSIONS) + int16(0) + int32(1) + b"\x00",
    "client_id_length_past_end": int16(API_VERSIONS) + int16(0) + int32(1) + int16(100) + b"abc",
    "client_id_length_max": int16(METADATA) + int16(1) + int32(1) + int16(0x7FFF) + b"x",
    "no_tagged_fields": header_v1(API_VERSIONS, 3),
    "tagged_field_count_past_end": header_v1(API_VERSIONS, 3) + unsigned_varint(5),
    "tagged_field_size_past_end":
        header_v1(API_VERSIONS, 3) + unsigned_varint(1) + unsigned_varint(0)
        + unsigned_varint(1000) + b"x",
    "tagged_field_varint_unterminated": header_v1(API_VERSIONS, 3) + b"\xff" * 6,
    "too_new_api_versions_no_tagged_fields": header_v1(API_VERSIONS, 127),
}


@pytest.mark.parametrize("payload", TRUNCATED_OR_MALFORMED_HEADERS.values(),
                         ids=TRUNCATED_OR_MALFORMED_HEADERS.keys())
def test_truncated_or_malformed_header_closes_the_connection(
        shared_broker, connect, probe, payload):
    connection = connect(shared_broker)
    connection.send(size_prefixed(payload))
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


def test_client_id_of_invalid_utf8_is_answered(shared_broker, connect, probe):
    # Kafka reads the client id leniently (new String(bytes, UTF_8) replaces bad bytes);
    # it is only used for logs and quotas.
    connection = connect(shared_broker)
    frame = connection.request(API_VERSIONS, 0, b"", client_id=b"\xff\xfe\xc3(")
    assert probe.decode_response(API_VERSIONS, 0, frame)["body"]["error_code"] == 0


# ---------------------------------------------------------------------------------------
# APIs and versions the broker does not serve
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("api_key", ["first_not_advertised", NOT_IN_ANY_SCHEMA, -1, 0x7FFF,
                                     -0x8000])
def test_request_for_an_api_the_broker_does_not_serve_closes_the_connection(
        shared_broker, connect, probe, api_key):
    connection = connect(shared_broker)
    if api_key == "first_not_advertised":
        advertised = advertised_versions(connection, probe)
        api_key = min(key for key in range(100) if key not in advertised)
    connection.send(size_prefixed(header_v1(api_key, 0) + b"\x00" * 16))
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


@pytest.mark.parametrize("version", ["one_past_max", 99, 0x7FFF, -1, -0x8000])
def test_unsupported_metadata_version_closes_the_connection(
        shared_broker, connect, probe, version):
    connection = connect(shared_broker)
    if version == "one_past_max":
        version = advertised_versions(connection, probe)[METADATA][1] + 1
    body = kafka_wire.metadata_request(max(version, 1), None)
    connection.send_request(METADATA, version, body)
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


def test_malformed_body_closes_the_connection(shared_broker, connect, probe):
    # ApiVersions v3 whose client_software_name length runs past the end of the frame.
    connection = connect(shared_broker)
    connection.send(size_prefixed(header_v2(API_VERSIONS, 3) + unsigned_varint(50) + b"ab"))
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)


# ---------------------------------------------------------------------------------------
# Slow and disturbed clients
# ---------------------------------------------------------------------------------------


def test_request_sent_one_byte_at_a_time_is_answered(shared_broker, connect, probe):
    frame = kafka_wire.request_frame(API_VERSIONS, 3, kafka_wire.api_versions_request(3, "d", "1"),
                                     correlation_id=42, client_id="drip")
    connection = connect(shared_broker)
    for byte in frame:
        connection.send(bytes([byte]))
        time.sleep(0.02)
    answer = probe.decode_response(API_VERSIONS, 3, connection.read_frame())
    assert answer["header"]["correlation_id"] == 42
    assert answer["body"]["error_code"] == 0


def test_hostile_connection_does_not_disturb_an_open_one(shared_broker, connect, probe):
    bystander = connect(shared_broker)
    assert api_versions(bystander, probe)["error_code"] == 0
    hostile = connect(shared_broker)
    hostile.send(int32(-1))
    hostile.assert_closed_by_broker()
    assert api_versions(bystander, probe, 3)["error_code"] == 0


def test_request_following_a_hostile_frame_is_not_answered(shared_broker, connect, probe):
    # Pipelined behind a frame with an unknown API key: the broker closes instead.
    connection = connect(shared_broker)
    send_ignoring_close(connection,
                        size_prefixed(header_v1(NOT_IN_ANY_SCHEMA, 0))
                        + kafka_wire.request_frame(API_VERSIONS, 0, b"", 2))
    connection.assert_closed_by_broker()
    assert_still_serving(shared_broker, connect, probe)
