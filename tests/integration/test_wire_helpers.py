"""The request encoders of kafka_wire, proven against Samsa's generated codecs: the probe
must decode every encoded request to the values given and re-encode it byte for byte.
Needs only the protocol probe, not the broker."""

import base64

import pytest

import kafka_wire
from kafka_wire import API_VERSIONS, FETCH, METADATA, PRODUCE, FetchPartition

ZERO_UUID_JSON = "AAAAAAAAAAAAAAAAAAAAAA"  # Kafka's Uuid.toString of sixteen zero bytes


def decode_own_request(probe, api_key, version, body, correlation_id=7, **header_options):
    frame = kafka_wire.request_frame(api_key, version, body, correlation_id, **header_options)
    assert int.from_bytes(frame[:4], "big", signed=True) == len(frame) - 4
    decoded = probe.decode_request(frame[4:])
    assert decoded["reencoded"] == frame[4:].hex(), "Samsa re-encodes the request differently"
    assert decoded["header_version"] == kafka_wire.request_header_version(api_key, version)
    assert decoded["header"]["request_api_key"] == api_key
    assert decoded["header"]["request_api_version"] == version
    assert decoded["header"]["correlation_id"] == correlation_id
    return decoded


def test_api_versions_request_of_every_version_decodes_as_encoded(probe):
    for version in range(probe.schema_max_version(API_VERSIONS) + 1):
        body = kafka_wire.api_versions_request(version, "librdkafka", "2.0.2")
        decoded = decode_own_request(probe, API_VERSIONS, version, body)
        assert decoded["header"]["client_id"] == kafka_wire.DEFAULT_CLIENT_ID
        if version >= 3:
            assert decoded["body"]["client_software_name"] == "librdkafka"
            assert decoded["body"]["client_software_version"] == "2.0.2"


@pytest.mark.parametrize("topics", [[], ["orders"], ["orders", "payments.eu-1", "é"]],
                         ids=["empty", "one", "several"])
def test_metadata_request_of_every_version_decodes_as_encoded(probe, topics):
    for version in range(probe.schema_max_version(METADATA) + 1):
        body = kafka_wire.metadata_request(
            version, topics, allow_auto_topic_creation=False,
            include_cluster_authorized_operations=8 <= version <= 10,
            include_topic_authorized_operations=version >= 8)
        decoded = decode_own_request(probe, METADATA, version, body)["body"]
        assert [topic["name"] for topic in decoded["topics"]] == topics
        assert all(topic["topic_id"] == ZERO_UUID_JSON for topic in decoded["topics"])
        if version >= 4:
            assert decoded["allow_auto_topic_creation"] is False
        if 8 <= version <= 10:
            assert decoded["include_cluster_authorized_operations"] is True
        if version >= 8:
            assert decoded["include_topic_authorized_operations"] is True


def test_metadata_request_with_null_topics_decodes_as_null_from_v1(probe):
    for version in range(1, probe.schema_max_version(METADATA) + 1):
        body = kafka_wire.metadata_request(version, None)
        assert decode_own_request(probe, METADATA, version, body)["body"]["topics"] is None


def test_metadata_v0_has_no_null_topic_list():
    with pytest.raises(ValueError):
        kafka_wire.metadata_request(0, None)


def test_null_client_id_and_long_compact_strings_decode_as_encoded(probe):
    long_name = "a" * 200  # a compact length of 201 takes a two-byte varint
    body = kafka_wire.api_versions_request(3, long_name, "1")
    decoded = decode_own_request(probe, API_VERSIONS, 3, body, client_id=None)
    assert decoded["header"]["client_id"] is None
    assert decoded["body"]["client_software_name"] == long_name


def test_produce_request_of_every_version_from_3_decodes_as_encoded(probe):
    batch = kafka_wire.record_batch([(b"k", b"v", [("h", b"x")]), (None, b"")])
    for version in range(3, probe.schema_max_version(PRODUCE) + 1):
        body = kafka_wire.produce_request(version, {"orders": {0: batch, 2: None}, "é": {1: b""}},
                                          acks=1, timeout_ms=1234, transactional_id="tx")
        decoded = decode_own_request(probe, PRODUCE, version, body)["body"]
        assert decoded["transactional_id"] == "tx"
        assert (decoded["acks"], decoded["timeout_ms"]) == (1, 1234)
        partitions = {(topic["name"], partition["index"]): partition["records"]
                      for topic in decoded["topic_data"]
                      for partition in topic["partition_data"]}
        assert partitions == {("orders", 0): batch.hex(), ("orders", 2): None, ("é", 1): ""}


def test_record_batch_is_a_valid_v2_batch_for_samsa(probe):
    batch = kafka_wire.record_batch([(b"k", b"v", [("h", b"x")]), (None, b"")],
                                    base_timestamp_ms=1700000000000)
    decoded = probe.command("batch " + batch.hex())
    assert "error" not in decoded, decoded
    assert (decoded["magic"], decoded["record_count"], decoded["base_timestamp"]) == (
        2, 2, 1700000000000)


def fetch_topic(version, name):
    """A topic of a Fetch request and the name or id the probe prints for it."""
    if version >= kafka_wire.FIRST_FETCH_VERSION_WITH_TOPIC_IDS:
        topic_id = bytes(range(1, 17))
        return topic_id, base64.urlsafe_b64encode(topic_id).decode().rstrip("=")
    return name, name


def test_fetch_request_of_every_version_from_4_decodes_as_encoded(probe):
    for version in range(4, probe.schema_max_version(FETCH) + 1):
        topic, printed = fetch_topic(version, "orders")
        body = kafka_wire.fetch_request(
            version, [(topic, [FetchPartition(3, 42, 5000, current_leader_epoch=7,
                                              last_fetched_epoch=6, log_start_offset=9)])],
            max_wait_ms=500, min_bytes=10, max_bytes=100000, isolation_level=1,
            session_id=77, session_epoch=2, forgotten_topics=[(topic, [1, 2])], rack_id="r1")
        decoded = decode_own_request(probe, FETCH, version, body)["body"]
        assert (decoded["max_wait_ms"], decoded["min_bytes"], decoded["max_bytes"],
                decoded["isolation_level"]) == (500, 10, 100000, 1), f"v{version}"
        [fetched] = decoded["topics"]
        assert fetched["topic_id" if version >= 13 else "topic"] == printed, f"v{version}"
        [partition] = fetched["partitions"]
        assert (partition["partition"], partition["fetch_offset"],
                partition["partition_max_bytes"]) == (3, 42, 5000), f"v{version}"
        if version >= 5:
            assert partition["log_start_offset"] == 9, f"v{version}"
        if version >= 7:
            assert (decoded["session_id"], decoded["session_epoch"]) == (77, 2), f"v{version}"
            [forgotten] = decoded["forgotten_topics_data"]
            assert forgotten["partitions"] == [1, 2], f"v{version}"
        if version >= 9:
            assert partition["current_leader_epoch"] == 7, f"v{version}"
        if version >= 11:
            assert decoded["rack_id"] == "r1", f"v{version}"
        if version >= 12:
            assert partition["last_fetched_epoch"] == 6, f"v{version}"


def test_unsigned_varint_matches_the_protocol_guide():
    assert kafka_wire.unsigned_varint(0) == bytes.fromhex("00")
    assert kafka_wire.unsigned_varint(127) == bytes.fromhex("7f")
    assert kafka_wire.unsigned_varint(128) == bytes.fromhex("8001")
    assert kafka_wire.unsigned_varint(300) == bytes.fromhex("ac02")
    assert kafka_wire.unsigned_varint(2**32 - 1) == bytes.fromhex("ffffffff0f")


def test_request_header_version_follows_flexibility_and_counts_too_new_as_flexible():
    assert kafka_wire.request_header_version(API_VERSIONS, 2) == 1
    assert kafka_wire.request_header_version(API_VERSIONS, 3) == 2
    assert kafka_wire.request_header_version(API_VERSIONS, 127) == 2
    assert kafka_wire.request_header_version(API_VERSIONS, -1) == 1
    assert kafka_wire.request_header_version(METADATA, 8) == 1
    assert kafka_wire.request_header_version(METADATA, 9) == 2
