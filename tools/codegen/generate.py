#!/usr/bin/env python3
"""Generates Samsa's protocol codecs from Kafka's JSON message schemas.

    generate.py --schemas ../shared/kafka-protocol --out src/protocol/generated \
                --tests-out src/protocol/tests/generated

Writes one .h/.cc pair per message, the API registry, all_messages.h, sources.cmake,
and randomized round-trip tests. Output is deterministic, so check.sh can diff it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import emit_registry  # noqa: E402
import emit_tests  # noqa: E402
from emit_messages import MessageEmitter  # noqa: E402
from schema import load_all, snake_case  # noqa: E402

TEST_FILE_COUNT = 8
# Generated code is not reformatted: its layout is the generator's.
CLANG_FORMAT_OFF = "DisableFormat: true\nSortIncludes: Never\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schemas", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tests-out", type=Path, required=True)
    args = parser.parse_args()

    messages = load_all(args.schemas)
    write(args.out / ".clang-format", CLANG_FORMAT_OFF)
    write(args.tests_out / ".clang-format", CLANG_FORMAT_OFF)
    for message in messages:
        emitter = MessageEmitter(message)
        name = snake_case(message.name)
        write(args.out / f"{name}.h", emitter.header())
        write(args.out / f"{name}.cc", emitter.source())
    write(args.out / "api_registry.h", emit_registry.registry_header(messages))
    write(args.out / "api_registry.cc", emit_registry.registry_source(messages))
    write(args.out / "all_messages.h", emit_registry.all_messages_header(messages))

    test_paths = []
    chunk = (len(messages) + TEST_FILE_COUNT - 1) // TEST_FILE_COUNT
    for index in range(TEST_FILE_COUNT):
        group = messages[index * chunk:(index + 1) * chunk]
        file_name = f"round_trip_{index}_test.cc"
        write(args.tests_out / file_name, emit_tests.test_file(group))
        test_paths.append(f"tests/generated/{file_name}")
    write(args.out / "sources.cmake", emit_registry.sources_cmake(messages, test_paths))
    print(f"generated {len(messages)} messages into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
