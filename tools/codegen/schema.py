"""Loads Kafka's JSON message schemas into a small model the emitters walk.

The schema files are JSON with // line comments (see ../shared/kafka-protocol/README.md).
Everything the generator needs from a file ends up in Message / Struct / Field; nothing
else reads the JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path


@dataclass(frozen=True)
class Versions:
    """An inclusive version range; lowest > highest means no versions."""

    lowest: int
    highest: int  # HIGHEST_ANY for "N+"

    HIGHEST_ANY = 0x7FFF

    @staticmethod
    def parse(text: str | None) -> "Versions":
        if text is None or text == "none":
            return Versions(1, 0)
        text = str(text).strip()
        if text.endswith("+"):
            return Versions(int(text[:-1]), Versions.HIGHEST_ANY)
        if "-" in text:
            low, high = text.split("-")
            return Versions(int(low), int(high))
        return Versions(int(text), int(text))

    def empty(self) -> bool:
        return self.lowest > self.highest

    def intersect(self, other: "Versions") -> "Versions":
        return Versions(max(self.lowest, other.lowest), min(self.highest, other.highest))

    def contains(self, other: "Versions") -> bool:
        return other.empty() or (self.lowest <= other.lowest and other.highest <= self.highest)

    def includes(self, version: int) -> bool:
        return self.lowest <= version <= self.highest


@dataclass
class Field:
    name: str
    type: str  # as in the schema: "int32", "[]string", "[]Topic", "Cursor", ...
    versions: Versions
    nullable_versions: Versions
    tagged_versions: Versions
    tag: int | None
    default: str | None
    ignorable: bool
    entity_type: str | None
    map_key: bool
    flexible_override: Versions | None  # a field-level "flexibleVersions" (only "none" seen)
    fields: list["Field"]  # inline struct definition, if any

    @property
    def is_array(self) -> bool:
        return self.type.startswith("[]")

    @property
    def element_type(self) -> str:
        return self.type[2:] if self.is_array else self.type


PRIMITIVES = {
    "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64",
    "string", "bytes", "records", "uuid",
}


@dataclass
class Struct:
    name: str  # the schema's name ("TopicProduceData"; the message name for the top level)
    fields: list[Field]


@dataclass
class Message:
    name: str
    kind: str  # request, response, header, data, metadata
    source: str  # path relative to the schema root
    api_key: int | None
    valid_versions: Versions
    flexible_versions: Versions
    latest_version_unstable: bool
    top: Struct
    structs: dict[str, Struct] = dataclass_field(default_factory=dict)  # nested + common

    @property
    def has_flexible_versions(self) -> bool:
        return not self.flexible_versions.intersect(self.valid_versions).empty()


def strip_comments(text: str) -> str:
    """Removes // comments outside of string literals."""
    out = []
    in_string = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def parse_field(raw: dict) -> Field:
    tag = raw.get("tag")
    default = raw.get("default")
    return Field(
        name=raw["name"],
        type=raw["type"],
        versions=Versions.parse(raw.get("versions")),
        nullable_versions=Versions.parse(raw.get("nullableVersions")),
        tagged_versions=Versions.parse(raw.get("taggedVersions")),
        tag=None if tag is None else int(tag),
        default=None if default is None else str(default),
        ignorable=bool(raw.get("ignorable", False)),
        entity_type=raw.get("entityType"),
        map_key=bool(raw.get("mapKey", False)),
        flexible_override=(
            Versions.parse(raw["flexibleVersions"]) if "flexibleVersions" in raw else None
        ),
        fields=[parse_field(f) for f in raw.get("fields", [])],
    )


def collect_structs(fields: list[Field], into: dict[str, Struct], source: str) -> None:
    for f in fields:
        if f.fields:
            name = f.element_type
            if name in into:
                raise ValueError(f"{source}: struct {name} defined twice")
            into[name] = Struct(name, f.fields)
            collect_structs(f.fields, into, source)


def load_message(path: Path, root: Path) -> Message:
    raw = json.loads(strip_comments(path.read_text()))
    top_fields = [parse_field(f) for f in raw.get("fields", [])]
    message = Message(
        name=raw["name"],
        kind=raw["type"],
        source=str(path.relative_to(root)),
        api_key=raw.get("apiKey"),
        valid_versions=Versions.parse(raw["validVersions"]),
        flexible_versions=Versions.parse(raw.get("flexibleVersions", "none")),
        latest_version_unstable=bool(raw.get("latestVersionUnstable", False)),
        top=Struct(raw["name"], top_fields),
    )
    collect_structs(top_fields, message.structs, message.source)
    for common in raw.get("commonStructs", []):
        fields = [parse_field(f) for f in common["fields"]]
        message.structs[common["name"]] = Struct(common["name"], fields)
        collect_structs(fields, message.structs, message.source)
    return message


def load_all(root: Path) -> list[Message]:
    messages = [load_message(p, root) for p in sorted(root.rglob("*.json"))]
    names = [m.name for m in messages]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"message names used twice: {sorted(duplicates)}")
    return messages


def snake_case(name: str) -> str:
    """ProduceRequest -> produce_request, IsrNodes -> isr_nodes, HTTPPort -> http_port."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()
