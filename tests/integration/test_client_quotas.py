"""Client quotas (KIP-546): AlterClientQuotas and DescribeClientQuotas in raw frames
(kafka-python 2.0.2 has no quota API), kept in the metadata log through restarts, with
Kafka's validation. Storage only: nothing enforces the quotas yet."""

import kafka_wire
from kafka_probe import call

DESCRIBE_CLIENT_QUOTAS, ALTER_CLIENT_QUOTAS = 48, 49
EXACT, DEFAULT, ANY = 0, 1, 2
INVALID_REQUEST, UNSUPPORTED_VERSION = 42, 35


def alter_request(version, entries, validate_only=False):
    """AlterClientQuotas body; entries: [([(type, name)], [(key, value or None to remove)])]."""
    flexible = version >= 1
    tags = kafka_wire.tagged_fields() if flexible else b""
    encoded = []
    for entity, operations in entries:
        parts = [kafka_wire.string(entity_type, compact=flexible)
                 + kafka_wire.string(name, compact=flexible) + tags
                 for entity_type, name in entity]
        ops = [kafka_wire.string(key, compact=flexible)
               + kafka_wire.struct.pack(">d", 0.0 if value is None else value)
               + kafka_wire.boolean(value is None) + tags
               for key, value in operations]
        encoded.append(kafka_wire.array(parts, compact=flexible)
                       + kafka_wire.array(ops, compact=flexible) + tags)
    return (kafka_wire.array(encoded, compact=flexible) + kafka_wire.boolean(validate_only)
            + tags)


def describe_request(version, components, strict=False):
    """DescribeClientQuotas body; components: [(type, match type, match or None)]."""
    flexible = version >= 1
    tags = kafka_wire.tagged_fields() if flexible else b""
    encoded = [kafka_wire.string(entity_type, compact=flexible) + kafka_wire.int8(match_type)
               + kafka_wire.string(match, compact=flexible) + tags
               for entity_type, match_type, match in components]
    return kafka_wire.array(encoded, compact=flexible) + kafka_wire.boolean(strict) + tags


def alter(connection, probe, entries, validate_only=False, version=1):
    """[(error_code, error_message, entity)] per entry."""
    answer = call(connection, probe, ALTER_CLIENT_QUOTAS, version,
                  alter_request(version, entries, validate_only),
                  header_version=2 if version >= 1 else 1)["body"]
    return [(entry["error_code"], entry["error_message"],
             [(part["entity_type"], part["entity_name"]) for part in entry["entity"]])
            for entry in answer["entries"]]


def describe(connection, probe, components, strict=False, version=1):
    """The decoded body, with entries as {((type, name), ...): {key: value}}."""
    answer = call(connection, probe, DESCRIBE_CLIENT_QUOTAS, version,
                  describe_request(version, components, strict),
                  header_version=2 if version >= 1 else 1)["body"]
    if answer["entries"] is not None:
        answer["quotas"] = {
            tuple((part["entity_type"], part["entity_name"]) for part in entry["entity"]):
                {value["key"]: value["value"] for value in entry["values"]}
            for entry in answer["entries"]}
    return answer


def test_altered_quotas_are_described_and_survive_a_restart(broker, connect, probe):
    connection = connect(broker)
    outcomes = alter(connection, probe, [
        ([("user", "alice")], [("producer_byte_rate", 1048576.0),
                               ("request_percentage", 25.5)]),
        ([("user", None)], [("consumer_byte_rate", 2048.0)]),
        ([("user", "alice"), ("client-id", "app")], [("consumer_byte_rate", 4096.0)]),
        ([("ip", "10.0.0.1")], [("connection_creation_rate", 10.0)]),
    ], version=0)
    assert [outcome[:2] for outcome in outcomes] == [(0, None)] * 4
    assert outcomes[2][2] == [("user", "alice"), ("client-id", "app")]  # echoed as sent

    every = describe(connection, probe, [])
    assert every["error_code"] == 0
    assert every["quotas"] == {
        (("user", "alice"),): {"producer_byte_rate": 1048576.0, "request_percentage": 25.5},
        (("user", None),): {"consumer_byte_rate": 2048.0},
        (("client-id", "app"), ("user", "alice")): {"consumer_byte_rate": 4096.0},
        (("ip", "10.0.0.1"),): {"connection_creation_rate": 10.0},
    }

    broker.restart()
    connection = connect(broker)
    assert describe(connection, probe, [], version=0)["quotas"] == every["quotas"]


def test_filters_match_exact_default_and_any_entities(broker, connect, probe):
    connection = connect(broker)
    alter(connection, probe, [
        ([("user", "alice")], [("producer_byte_rate", 100.0)]),
        ([("user", None)], [("producer_byte_rate", 200.0)]),
        ([("user", "alice"), ("client-id", "app")], [("producer_byte_rate", 300.0)]),
    ])
    alice = describe(connection, probe, [("user", EXACT, "alice")])["quotas"]
    assert set(alice) == {(("user", "alice"),), (("client-id", "app"), ("user", "alice"))}
    assert set(describe(connection, probe, [("user", EXACT, "alice")], strict=True)["quotas"]) == {
        (("user", "alice"),)}
    assert set(describe(connection, probe, [("user", DEFAULT, None)])["quotas"]) == {
        (("user", None),)}
    assert len(describe(connection, probe, [("user", ANY, None)])["quotas"]) == 3
    assert describe(connection, probe, [("client-id", ANY, None), ("user", ANY, None)],
                    strict=True)["quotas"] == {
        (("client-id", "app"), ("user", "alice")): {"producer_byte_rate": 300.0}}


def test_removing_keys_and_validate_only(broker, connect, probe):
    connection = connect(broker)
    alter(connection, probe, [([("client-id", "app")], [("request_percentage", 50.0)])])
    assert alter(connection, probe, [([("client-id", "app")], [("request_percentage", 10.0)])],
                 validate_only=True)[0][0] == 0
    assert describe(connection, probe, [])["quotas"] == {
        (("client-id", "app"),): {"request_percentage": 50.0}}
    assert alter(connection, probe, [([("client-id", "app")], [("request_percentage", None)])])[0][
        0] == 0
    assert describe(connection, probe, [])["quotas"] == {}


def test_kafkas_validation_errors(broker, connect, probe):
    connection = connect(broker)
    outcomes = alter(connection, probe, [
        ([("user", "bob")], [("no_such_quota", 1.0)]),
        ([("ip", "10.0.0.2"), ("user", "bob")], [("producer_byte_rate", 1.0)]),
        ([("group", "g")], [("producer_byte_rate", 1.0)]),
        ([("user", "carol")], [("producer_byte_rate", 10.5)]),
        ([("user", "dave")], [("consumer_byte_rate", -1.0)]),
        ([("ip", "10.0.0.3")], [("producer_byte_rate", 1.0)]),
        ([], [("producer_byte_rate", 1.0)]),
    ])
    assert all(code == INVALID_REQUEST for code, _, _ in outcomes)
    assert outcomes[0][1] == "Invalid configuration key no_such_quota"
    assert outcomes[2][1] == "Unhandled client quota entity type: group"
    assert outcomes[3][1] == "producer_byte_rate cannot be a fractional value."
    assert outcomes[4][1] == "Quota consumer_byte_rate must be greater than 0"
    assert outcomes[6][1] == "Invalid empty client quota entity"
    assert describe(connection, probe, [])["quotas"] == {}

    unsupported = describe(connection, probe, [("group", ANY, None)])
    assert unsupported["error_code"] == UNSUPPORTED_VERSION
    assert unsupported["entries"] is None
    mixed = describe(connection, probe, [("ip", ANY, None), ("user", ANY, None)])
    assert mixed["error_code"] == INVALID_REQUEST
    assert describe(connection, probe, [("user", EXACT, None)])["error_code"] == INVALID_REQUEST
