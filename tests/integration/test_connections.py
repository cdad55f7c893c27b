"""Connections: response order under pipelining, the idle timeout, the connection limit and
many concurrent clients."""

import random
import struct
import time

import pytest

import kafka_wire
from kafka_probe import advertised_versions, api_versions
from kafka_wire import API_VERSIONS, METADATA, ConnectionClosed

# Generous deadlines: what is asserted is that something happens, never how fast.
CLOSE_TIMEOUT_SECONDS = 30
RETRY_TIMEOUT_SECONDS = 30


def request_body(api_key, version):
    if api_key == API_VERSIONS:
        return kafka_wire.api_versions_request(version)
    return kafka_wire.metadata_request(version, [] if version == 0 else None)


def test_pipelined_requests_are_answered_in_request_order(broker, connect, probe):
    connection = connect(broker)
    advertised = advertised_versions(connection, probe)
    rng = random.Random(20261121)
    requests = []
    for correlation_id in rng.sample(range(1, 2**31), 100):
        api_key = rng.choice([API_VERSIONS, METADATA])
        low, high = advertised[api_key]
        requests.append((correlation_id, api_key, rng.randint(low, high)))
    connection.send(b"".join(
        kafka_wire.request_frame(api_key, version, request_body(api_key, version), correlation_id)
        for correlation_id, api_key, version in requests))

    for index, (correlation_id, api_key, version) in enumerate(requests):
        frame = connection.read_frame()
        answered = struct.unpack_from(">i", frame)[0]
        assert answered == correlation_id, (
            f"response {index}: correlation id {answered}, expected {correlation_id}")
        # Decoding as the request's API and version proves it answers that request.
        body = probe.decode_response(api_key, version, frame)["body"]
        if api_key == API_VERSIONS:
            assert body["error_code"] == 0
        else:
            assert [entry["node_id"] for entry in body["brokers"]] == [1]


def test_idle_connections_are_closed_after_connections_max_idle_ms(start_broker, connect,
                                                                   probe):
    broker = start_broker({"connections.max.idle.ms": 1000})
    used = connect(broker)
    api_versions(used, probe)
    never_used = connect(broker)
    used.assert_closed_by_broker(CLOSE_TIMEOUT_SECONDS)
    never_used.assert_closed_by_broker(CLOSE_TIMEOUT_SECONDS)


def test_connection_in_use_is_not_closed_as_idle(start_broker, connect, probe):
    broker = start_broker({"connections.max.idle.ms": 2000})
    connection = connect(broker)
    # Longer than the idle timeout in all, with gaps of a tenth of it.
    for _ in range(13):
        assert api_versions(connection, probe)["error_code"] == 0
        time.sleep(0.2)


def admit(broker, connect, probe, count):
    """count connections, each answered once (so the broker has accepted it)."""
    admitted = [connect(broker) for _ in range(count)]
    for connection in admitted:
        assert api_versions(connection, probe)["error_code"] == 0
    return admitted


def test_connection_over_max_connections_waits_until_one_closes(start_broker, connect,
                                                                probe):
    # Kafka: at the broker-wide limit the acceptor stops accepting; a new connection
    # waits in the listen backlog and is served once a slot frees.
    broker = start_broker({"max.connections": 5})
    admitted = admit(broker, connect, probe, 5)
    waiting = connect(broker)  # the kernel completes the handshake
    correlation_id = waiting.send_request(API_VERSIONS, 0, b"")
    with pytest.raises(TimeoutError):
        waiting.read_frame(timeout_seconds=1)

    admitted.pop().close()
    answer = probe.decode_response(API_VERSIONS, 0, waiting.read_frame(RETRY_TIMEOUT_SECONDS))
    assert answer["header"]["correlation_id"] == correlation_id
    for connection in admitted:  # the limit never touched the connections it admitted
        assert api_versions(connection, probe)["error_code"] == 0


def test_connection_over_max_connections_per_ip_is_closed_until_one_closes(
        start_broker, connect, probe):
    # Kafka: over max.connections.per.ip the new connection is accepted and closed.
    broker = start_broker({"max.connections.per.ip": 5})
    admitted = admit(broker, connect, probe, 5)
    refused = connect(broker)
    try:
        refused.send_request(API_VERSIONS, 0, b"")
    except ConnectionClosed:
        pass
    refused.assert_closed_by_broker(CLOSE_TIMEOUT_SECONDS)

    admitted.pop().close()
    # The broker notices the close asynchronously: retry until a slot is free.
    deadline = time.monotonic() + RETRY_TIMEOUT_SECONDS
    while True:
        try:
            assert api_versions(connect(broker), probe)["error_code"] == 0
            break
        except ConnectionClosed:
            assert time.monotonic() < deadline, "no connection admitted after one closed"
            time.sleep(0.05)
    for connection in admitted:
        assert api_versions(connection, probe)["error_code"] == 0


def test_hundreds_of_concurrent_connections_are_all_answered(start_broker, connect, probe):
    broker = start_broker(smp=2)
    connections = [connect(broker) for _ in range(300)]
    for index, connection in enumerate(connections):
        connection.send_request(API_VERSIONS, 0, b"", correlation_id=index)
    for index, connection in enumerate(connections):
        answer = probe.decode_response(API_VERSIONS, 0, connection.read_frame())
        assert answer["header"]["correlation_id"] == index
        assert answer["body"]["error_code"] == 0
