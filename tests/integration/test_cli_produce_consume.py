"""`samsa produce` and `samsa consume` against the real broker: lines with keys and headers,
a chosen partition, every compression codec and acks level, read back with confluent-kafka;
records read with `samsa consume` through a format string, as JSON lines, from beginning,
end, an offset, an offset before the end and a timestamp; a group that commits what it
printed and continues there; the exit codes of failures; --follow stopped by SIGTERM."""

import base64
import json
import selectors
import signal
import subprocess
import time

import confluent_kafka
import pytest

from broker_process import samsa_binary
from cli_helpers import run_cli, run_cli_json
from client_helpers import (TIMEOUT_SECONDS, DeliveryReports, confluent_consumer, confluent_poll,
                            confluent_producer, confluent_read, create_topic, unused_port)

# The records of one partition written by confluent-kafka for the consume tests:
# (key, value, headers, timestamp ms).
BASE_TIMESTAMP_MS = 1_714_560_000_000
PRODUCED = [
    (b"user1", b"clicked", [("source", b"web")], BASE_TIMESTAMP_MS),
    (None, b"no key", [], BASE_TIMESTAMP_MS + 1000),
    (b"user2", b"paid", [("source", b"app"), ("trace", b"t-1")], BASE_TIMESTAMP_MS + 2000),
    (b"user3", b"\xff\x00binary", [], BASE_TIMESTAMP_MS + 3000),
]


def read_all(broker, topic, count):
    """`count` records of every partition of `topic`, with a subscribed confluent consumer."""
    consumer = confluent_consumer(broker, {"group.id": f"reader-{topic}",
                                           "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([topic])
        return confluent_poll(consumer, count)
    finally:
        consumer.close()


def produce_sample(broker, topic):
    """PRODUCED to partition 0 of `topic`, with confluent-kafka."""
    producer = confluent_producer(broker)
    reports = DeliveryReports()
    for key, value, headers, timestamp in PRODUCED:
        producer.produce(topic, key=key, value=value, headers=headers, partition=0,
                         timestamp=timestamp, on_delivery=reports)
    assert producer.flush(TIMEOUT_SECONDS) == 0
    assert not reports.errors
    assert len(reports.acknowledged) == len(PRODUCED)


def test_produce_lines_with_keys_and_headers(broker):
    create_topic(broker, "orders", partitions=3)
    summary = run_cli_json(broker, "produce", "orders", "-k", ":", "-H", "source=web",
                           "-H", "trace=a=b", input_text="user1:clicked\nuser2:paid:twice\n"
                                                         "no separator\nuser1:again\n")
    assert summary["records"] == 4
    assert sum(summary["partitions"].values()) == 4
    messages = read_all(broker, "orders", 4)
    by_value = {message.value(): message for message in messages}
    assert set(by_value) == {b"clicked", b"paid:twice", b"no separator", b"again"}
    assert by_value[b"clicked"].key() == b"user1"
    assert by_value[b"paid:twice"].key() == b"user2"
    assert by_value[b"no separator"].key() is None
    for message in messages:
        assert message.headers() == [("source", b"web"), ("trace", b"a=b")]
    # The same key, the same partition (librdkafka's default partitioner hashes the key).
    assert by_value[b"clicked"].partition() == by_value[b"again"].partition()
    counted = {}
    for message in messages:
        counted[str(message.partition())] = counted.get(str(message.partition()), 0) + 1
    assert summary["partitions"] == counted


def test_produce_prints_nothing_in_table_mode(broker):
    create_topic(broker, "quiet")
    result = run_cli(broker, "produce", "quiet", input_text="one\ntwo\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert [m.value() for m in confluent_read(broker, "quiet", 0, 0, 2)] == [b"one", b"two"]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_produce_to_a_partition_with_each_codec(broker, codec):
    create_topic(broker, "codecs", partitions=3)
    lines = [f"{codec}-{index}" for index in range(50)]
    summary = run_cli_json(broker, "produce", "codecs", "-p", "2", "-z", codec,
                           input_text="\n".join(lines) + "\n")
    assert summary == {"records": 50, "partitions": {"2": 50}}
    messages = confluent_read(broker, "codecs", 2, 0, 50)
    assert [message.value().decode() for message in messages] == lines
    assert all(message.partition() == 2 for message in messages)


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_produce_with_each_acks_level(broker, acks):
    create_topic(broker, "acks")
    result = run_cli(broker, "produce", "acks", "--acks", acks, input_text="a\nb\nc\n")
    assert result.returncode == 0, result.stderr
    assert [m.value() for m in confluent_read(broker, "acks", 0, 0, 3)] == [b"a", b"b", b"c"]


def test_produce_from_a_file(broker, tmp_path):
    create_topic(broker, "from-file")
    lines = tmp_path / "lines.txt"
    lines.write_text("k1=v1\nk2=v2")  # the last line without a newline is a record too
    result = run_cli(broker, "produce", "from-file", "-f", str(lines), "-k", "=")
    assert result.returncode == 0, result.stderr
    messages = confluent_read(broker, "from-file", 0, 0, 2)
    assert [(m.key(), m.value()) for m in messages] == [(b"k1", b"v1"), (b"k2", b"v2")]


def test_consume_with_a_format_string(broker):
    create_topic(broker, "formatted")
    produce_sample(broker, "formatted")
    result = run_cli(broker, "consume", "formatted", "-c", "3",
                     "-F", "%t|%p|%o|%T|%k|%s|%h|%K|%S\\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"formatted|0|0|{BASE_TIMESTAMP_MS}|user1|clicked|source=web|5|7",
        f"formatted|0|1|{BASE_TIMESTAMP_MS + 1000}||no key||-1|6",
        f"formatted|0|2|{BASE_TIMESTAMP_MS + 2000}|user2|paid|source=app,trace=t-1|5|4",
    ]


def test_consume_default_prints_values_and_stops_at_the_end(broker):
    create_topic(broker, "plain", partitions=2)
    run_cli_json(broker, "produce", "plain", "-p", "1", input_text="x\ny\n")
    result = run_cli(broker, "consume", "plain")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "x\ny\n"


def test_consume_json_lines(broker):
    create_topic(broker, "as-json")
    produce_sample(broker, "as-json")
    result = run_cli(broker, "consume", "as-json", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(PRODUCED)
    assert records[0] == {"topic": "as-json", "partition": 0, "offset": 0,
                          "timestamp": BASE_TIMESTAMP_MS, "key": "user1", "value": "clicked",
                          "headers": [{"name": "source", "value": "web"}]}
    assert records[1]["key"] is None
    assert records[2]["headers"] == [{"name": "source", "value": "app"},
                                     {"name": "trace", "value": "t-1"}]
    assert records[3]["value_encoding"] == "base64"
    assert base64.b64decode(records[3]["value"]) == b"\xff\x00binary"


@pytest.mark.parametrize("arguments, expected_offsets", [
    (["-o", "beginning"], [0, 1, 2, 3]),
    (["--from-beginning"], [0, 1, 2, 3]),
    (["-o", "end"], []),
    (["-o", "2"], [2, 3]),
    (["-o", "-1"], [3]),
    (["-o", "-3", "-c", "2"], [1, 2]),
    (["-c", "1"], [0]),
    (["--timestamp", str(BASE_TIMESTAMP_MS + 1500)], [2, 3]),
    (["--timestamp", str(BASE_TIMESTAMP_MS + 99_000)], []),
    (["--datetime", "2024-05-01T10:40:01Z"], [1, 2, 3]),
])
def test_consume_from_a_chosen_start(broker, arguments, expected_offsets):
    # BASE_TIMESTAMP_MS is 2024-05-01T10:40:00Z.
    create_topic(broker, "starts")
    produce_sample(broker, "starts")
    result = run_cli(broker, "consume", "starts", "-F", "%o\\n", *arguments)
    assert result.returncode == 0, result.stderr
    assert [int(line) for line in result.stdout.splitlines()] == expected_offsets


def test_consume_chosen_partitions(broker):
    create_topic(broker, "spread", partitions=3)
    for partition in range(3):
        run_cli_json(broker, "produce", "spread", "-p", str(partition),
                     input_text=f"in-{partition}\n")
    result = run_cli(broker, "consume", "spread", "-p", "0", "-p", "2", "-F", "%p:%s\\n")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == ["0:in-0", "2:in-2"]


def committed_offset(broker, group, topic, partition):
    consumer = confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap,
                                         "group.id": group})
    try:
        [committed] = consumer.committed([confluent_kafka.TopicPartition(topic, partition)],
                                         timeout=TIMEOUT_SECONDS)
        return committed.offset
    finally:
        consumer.close()


def test_consume_in_a_group_commits_and_continues(broker):
    create_topic(broker, "grouped")
    run_cli_json(broker, "produce", "grouped", input_text="".join(f"v{i}\n" for i in range(6)))
    first = run_cli(broker, "consume", "grouped", "-g", "billing", "-c", "4")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == ["v0", "v1", "v2", "v3"]
    assert committed_offset(broker, "billing", "grouped", 0) == 4

    second = run_cli(broker, "consume", "grouped", "-g", "billing")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["v4", "v5"]
    assert committed_offset(broker, "billing", "grouped", 0) == 6

    # -o applies only to partitions without a committed offset: a new group from the end.
    fresh = run_cli(broker, "consume", "grouped", "-g", "audit", "-o", "-1")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.splitlines() == ["v5"]
    assert committed_offset(broker, "billing", "grouped", 0) == 6


def test_unknown_topic_exits_1(broker):
    produced = run_cli(broker, "produce", "missing", input_text="x\n")
    assert produced.returncode == 1
    assert produced.stdout == ""
    assert 'topic "missing" does not exist' in produced.stderr
    consumed = run_cli(broker, "consume", "missing")
    assert consumed.returncode == 1
    assert 'topic "missing" does not exist' in consumed.stderr
    # Asking did not create it (the broker auto-creates topics a producer names).
    assert run_cli(broker, "consume", "missing").returncode == 1


def test_missing_partition_exits_1(broker):
    create_topic(broker, "small", partitions=2)
    produced = run_cli(broker, "produce", "small", "-p", "5", input_text="x\n")
    assert produced.returncode == 1
    assert "no partition 5" in produced.stderr
    consumed = run_cli(broker, "consume", "small", "-p", "5")
    assert consumed.returncode == 1


def test_no_broker_exits_3_within_the_timeout(broker):
    unreachable = f"127.0.0.1:{unused_port()}"
    for arguments, input_text in ((["produce", "orders"], "x\n"), (["consume", "orders"], None),
                                  (["consume", "orders", "-g", "g"], None)):
        result = run_cli(broker, *arguments, "--timeout", "2000", brokers=unreachable,
                         input_text=input_text, timeout=30)
        assert result.returncode == 3, result.stderr
        assert unreachable in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize("arguments", [
    ["-o", "bogus"], ["-o", "-0"], ["-o", "stored"], ["--datetime", "yesterday"],
    ["-F", "%x"], ["-o", "end", "--from-beginning"],
])
def test_bad_consume_arguments_exit_2(broker, arguments):
    create_topic(broker, "args")
    result = run_cli(broker, "consume", "args", *arguments)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() != ""
    assert result.stdout == ""


def test_bad_produce_arguments_exit_2(broker):
    create_topic(broker, "args")
    assert run_cli(broker, "produce", "args", "-H", "no-equals", input_text="x\n").returncode == 2
    assert run_cli(broker, "produce", "args", "-z", "brotli", input_text="x\n").returncode == 2
    assert run_cli(broker, "produce", "args", "--acks", "2", input_text="x\n").returncode == 2


def read_line(process, deadline_seconds):
    """The next line of the process's stdout, or None at the deadline."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=deadline_seconds):
            return None
        return process.stdout.readline()


@pytest.mark.parametrize("group", [None, "followers"])
def test_follow_waits_for_new_records_and_stops_on_sigterm(broker, group):
    create_topic(broker, "live")
    command = [str(samsa_binary()), "consume", "live", "-f", "-o", "end",
               "--brokers", broker.bootstrap]
    if group:
        command += ["-g", group]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        # Produce until the consumer prints one (it may not have started reading at first).
        line = None
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while line is None and time.monotonic() < deadline:
            run_cli_json(broker, "produce", "live", input_text="fresh\n")
            line = read_line(process, 1.0)
        assert line == "fresh\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT_SECONDS) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
