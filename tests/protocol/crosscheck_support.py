"""Shared machinery of the cross-checks of Samsa's protocol codecs against kafka-python.

kafka-python 2.0.2 (Debian's python3-kafka) has hand-written encoders for the
non-flexible versions of the classic APIs. For every request and response case,
kafka-python encodes a frame exactly as its client puts it on the wire, the probe
(tools/protocol_probe) decodes it with Samsa's generated code, and the tests assert that

  1. Samsa read every field value kafka-python wrote: each kafka-python field is mapped
     explicitly to Samsa's field name in a table per API (a kafka-python field missing
     from the table fails the test, so nothing is compared by accident or skipped), and
  2. Samsa's re-encoding of what it decoded is byte-identical to kafka-python's frame.

Known deviations of kafka-python from Kafka's schemas are pinned by their own tests, and
what they hide is cross-checked with kafka-python's own types under Kafka's schema (the
*_as_kafka_specifies cases), so the main tables only hold frames both sides agree on.

This module holds what the request, response and record-batch cross-checks share: the
field-map types, building kafka-python messages from a spec, the expected decoding under
Samsa's names and its comparison, framing, the record payloads both Produce and Fetch
carry, and the means to correct a kafka-python schema that deviates from Kafka's.

Run with Debian's interpreter, which has python3-kafka and the codec modules:
    /usr/bin/python3 -m pytest -q tests/protocol
"""

import dataclasses
import struct

import pytest
from kafka.protocol import group
from kafka.protocol.api import RequestHeader
from kafka.protocol.types import Array, Bytes, Schema
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder

# ---------------------------------------------------------------------------------------
# Field maps: kafka-python field name -> Samsa field name, per API and nesting level.
# The tables themselves live with the cases of their API.
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Nested:
    """An array of structs: Samsa's field name and the map of the element's fields."""
    ours: str
    fields: dict


@dataclasses.dataclass(frozen=True)
class Wrapped:
    """kafka-python's array of scalars that Kafka's schema (and Samsa) model as an array
    of one-field structs: Samsa's array name and the element's field name."""
    ours: str
    element_field: str


# ---------------------------------------------------------------------------------------
# Building kafka-python messages from one field table per API.
#
# A spec names a value for every field any version of the API has (a superset); build()
# picks the fields of one version's schema, in schema order, and fails on a field the
# spec lacks, so a version can never be built with a field silently defaulted.
# ---------------------------------------------------------------------------------------


def build_value(field_type, spec_value):
    if isinstance(field_type, Array) and isinstance(field_type.array_of, Schema):
        if spec_value is None:
            return None
        return [build_fields(field_type.array_of, element) for element in spec_value]
    return spec_value


def build_fields(schema, spec):
    missing = [name for name in schema.names if name not in spec]
    assert not missing, f"spec lacks kafka-python fields {missing}"
    return tuple(build_value(field_type, spec[name])
                 for name, field_type in zip(schema.names, schema.fields))


def build_message(message_class, spec):
    return message_class(*build_fields(message_class.SCHEMA, spec))


@dataclasses.dataclass
class MessageCase:
    """One request or response case: a spec built with kafka-python's classes in each of
    the versions listed, and decoded by Samsa under field_map's names."""
    name: str
    classes: list          # kafka-python's message classes, indexed by version
    versions: list
    field_map: dict
    spec: object           # dict, or a function of the version returning one

    def spec_for(self, version):
        return self.spec(version) if callable(self.spec) else self.spec

    def build(self, version):
        message = build_message(self.classes[version], self.spec_for(version))
        assert message.API_VERSION == version
        return message


def case_params(cases):
    """One test parameter per case and version, with ids like `fetch_v4`."""
    for case in cases:
        for version in case.versions:
            yield pytest.param(case, version, id=f"{case.name}_v{version}")


# ---------------------------------------------------------------------------------------
# What Samsa must have decoded: kafka-python's values under Samsa's names.
# ---------------------------------------------------------------------------------------


def scalar_json(field_type, value):
    if value is None:
        return None
    if field_type is Bytes or isinstance(field_type, Bytes):
        return bytes(value).hex()
    return value


def expected_json(schema, values, field_map):
    """kafka-python's field values of one struct (a tuple in schema order), keyed by
    Samsa's names, with Samsa's JSON conventions (bytes as hex)."""
    expected = {}
    for name, field_type, value in zip(schema.names, schema.fields, values):
        assert name in field_map, f"no Samsa name mapped for kafka-python field {name!r}"
        target = field_map[name]
        if isinstance(target, Nested):
            assert isinstance(field_type, Array) and isinstance(field_type.array_of, Schema)
            expected[target.ours] = None if value is None else [
                expected_json(field_type.array_of, element, target.fields)
                for element in value
            ]
        elif isinstance(target, Wrapped):
            assert isinstance(field_type, Array)
            expected[target.ours] = None if value is None else [
                {target.element_field: scalar_json(field_type.array_of, element)}
                for element in value
            ]
        elif isinstance(field_type, Array):
            expected[target] = None if value is None else [
                scalar_json(field_type.array_of, element) for element in value
            ]
        else:
            expected[target] = scalar_json(field_type, value)
    return expected


def message_values(message):
    return tuple(message.get_item(name) for name in message.SCHEMA.names)


def assert_json_matches(actual, expected, path="body"):
    """Every value in expected is in actual (actual may hold more fields: those of
    other versions, which kafka-python did not write)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, Samsa gave {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key}: missing from Samsa's decoding"
            assert_json_matches(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected an array, Samsa gave {actual!r}"
        assert len(actual) == len(expected), (
            f"{path}: kafka-python wrote {len(expected)} elements, Samsa read {len(actual)}")
        for index, (actual_element, expected_element) in enumerate(zip(actual, expected)):
            assert_json_matches(actual_element, expected_element, f"{path}[{index}]")
    else:
        # bool is an int in Python: compare types too, so true never passes for 1.
        assert type(actual) is type(expected) and actual == expected, (
            f"{path}: kafka-python wrote {expected!r}, Samsa read {actual!r}")


# ---------------------------------------------------------------------------------------
# Framing, as kafka-python's KafkaProtocol.send_request and its response parser do.
# ---------------------------------------------------------------------------------------


def encoded(message):
    """message.encode(), with `message` kept alive: kafka-python binds encode weakly, so
    Struct(...).encode() on a temporary fails."""
    return message.encode()


def request_frame(request, correlation_id, client_id):
    """Header v1 (kafka-python never sends a flexible version) + body; no size prefix."""
    header = RequestHeader(request, correlation_id=correlation_id, client_id=client_id)
    return encoded(header) + encoded(request)


def response_frame(response, correlation_id):
    """Response header v0 (correlation id only) + body; no size prefix."""
    return struct.pack(">i", correlation_id) + encoded(response)


def assert_decoded(answer):
    assert "error" not in answer, f"Samsa failed to decode kafka-python's frame: {answer}"
    assert answer["encode_error"] == "none", answer


# ---------------------------------------------------------------------------------------
# Payloads both requests and responses carry, built by kafka-python itself.
#
# Opaque record payloads (Produce requests, Fetch responses): a v2 batch for the versions
# that carry one, a legacy message set (magic 0 for v0/v1, 1 for v2/v3) for the older
# ones. Consumer-protocol bytes (JoinGroup, SyncGroup): a subscription and an assignment.
# ---------------------------------------------------------------------------------------


def v2_batch():
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=0, is_transactional=False, producer_id=-1,
        producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    builder.append(0, timestamp=1700000000000, key=b"k", value=b"v", headers=[])
    builder.append(1, timestamp=1700000000001, key=None, value=b"\x00\xff",
                   headers=[("h\u00e9", b"x")])
    return bytes(builder.build())


def legacy_message_set(magic):
    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=0, batch_size=1 << 20)
    builder.append(0, timestamp=1700000000000 if magic else None, key=b"k", value=b"v")
    builder.append(1, timestamp=1700000000001 if magic else None, key=None, value=b"w")
    return bytes(builder.build())


PROTOCOL_METADATA = encoded(group.ProtocolMetadata(0, ["orders", "\u00fc"], b"user"))
MEMBER_ASSIGNMENT = encoded(group.MemberAssignment(
    0, [("orders", [0, 1, 2]), ("\u00fc", [7])], b""))

# ---------------------------------------------------------------------------------------
# Deviations of kafka-python 2.0.2 from Kafka's schemas.
#
# Each deviating kafka-python class gets a stand-in with its schema corrected to Kafka's,
# still encoded by kafka-python's own types, so that what the deviation hides is still
# cross-checked (the *_as_kafka_specifies cases). Each deviation is also pinned by a test
# (so that a fixed kafka-python is noticed) that checks Samsa, which follows Kafka's
# schemas, refuses the deviating frame instead of misreading it.
# ---------------------------------------------------------------------------------------


def as_kafka_specifies(kafka_python_class, schema):
    return type(kafka_python_class.__name__ + "_AsKafkaSpecifies", (kafka_python_class,),
                {"SCHEMA": schema})


def field_type(schema, name):
    return schema.fields[schema.names.index(name)]


def element_schema(schema, *array_names):
    """The schema of the elements of the array reached through array_names."""
    for name in array_names:
        schema = field_type(schema, name).array_of
    return schema
