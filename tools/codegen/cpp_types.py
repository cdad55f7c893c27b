"""The one table that maps schema types (and entity types / well-known field names) to C++.

Strong ids (base/ids.h, base/uuid.h) replace raw integers where the schema's field is one
of Kafka's ids, so handlers cannot mix an offset with an epoch. The schemas tag some ids
with an entityType; offsets, epochs and partitions carry none, so they are recognised by
their exact field names below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Primitive:
    cpp: str  # the wire representation's C++ type
    read: str  # wire_reader method
    write: str  # wire_writer method
    min_bytes: int  # the fewest bytes it takes on the wire (classic or compact)
    fixed_width: bool  # whether every value takes exactly min_bytes


PRIMITIVES: dict[str, Primitive] = {
    "bool": Primitive("bool", "read_bool", "write_bool", 1, True),
    "int8": Primitive("int8_t", "read_int8", "write_int8", 1, True),
    "int16": Primitive("int16_t", "read_int16", "write_int16", 2, True),
    "uint16": Primitive("uint16_t", "read_uint16", "write_uint16", 2, True),
    "int32": Primitive("int32_t", "read_int32", "write_int32", 4, True),
    "uint32": Primitive("uint32_t", "read_uint32", "write_uint32", 4, True),
    "int64": Primitive("int64_t", "read_int64", "write_int64", 8, True),
    "float64": Primitive("double", "read_float64", "write_float64", 8, True),
    "uuid": Primitive("::samsa::uuid", "read_uuid", "write_uuid", 16, True),
    "string": Primitive("std::string", "read_string", "write_string", 1, False),
    "bytes": Primitive("::samsa::shared_bytes", "read_bytes", "write_bytes", 1, False),
    "records": Primitive("::samsa::shared_bytes", "read_bytes", "write_bytes", 1, False),
}

# (schema type, entityType) -> strong type.
ENTITY_TYPES: dict[tuple[str, str], str] = {
    ("int32", "brokerId"): "::samsa::node_id",
    ("int64", "producerId"): "::samsa::producer_id",
}

# (schema type, field name) -> strong type, for ids the schemas do not tag.
NAMED_FIELDS: dict[tuple[str, str], str] = {
    **{("int64", name): "::samsa::offset" for name in (
        "BaseOffset", "CommittedOffset", "EndOffset", "FetchOffset", "FirstOffset",
        "HighWatermark", "LastOffset", "LastStableOffset", "LogStartOffset", "LowWatermark",
        "Offset", "CurrentTxnStartOffset")},
    **{("int32", name): "::samsa::leader_epoch" for name in (
        "LeaderEpoch", "leaderEpoch", "CurrentLeaderEpoch", "CommittedLeaderEpoch",
        "LastFetchedEpoch", "PartitionLeaderEpoch")},
    ("int16", "ProducerEpoch"): "::samsa::producer_epoch",
    **{("int32", name): "::samsa::partition_id" for name in (
        "PartitionIndex", "Partition", "PartitionId", "Index")},
    **{("int32", name): "::samsa::partition_id" for name in (
        "PartitionIndexes", "Partitions", "PartitionIds")},
    ("uuid", "TopicId"): "::samsa::topic_id",
}

ERROR_CODE_TYPE = "::samsa::protocol::error_code"


def value_type(schema_type: str, field_name: str, entity_type: str | None) -> str | None:
    """The domain type for a primitive, or None to use the wire type as is."""
    if entity_type and (schema_type, entity_type) in ENTITY_TYPES:
        return ENTITY_TYPES[(schema_type, entity_type)]
    if (schema_type, field_name) in NAMED_FIELDS:
        return NAMED_FIELDS[(schema_type, field_name)]
    if schema_type == "int16" and field_name.endswith("ErrorCode"):
        return ERROR_CODE_TYPE
    return None


CPP_KEYWORDS = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char",
    "class", "const", "constexpr", "continue", "default", "delete", "do", "double", "else",
    "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "nullptr",
    "operator", "or", "private", "protected", "public", "register", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw", "true",
    "try", "typedef", "typename", "union", "unsigned", "using", "virtual", "void",
    "volatile", "while", "xor", "concept", "requires", "co_await", "co_yield", "co_return",
}
