"""Hostile clients against the real broker: many idle connections, a client that never
reads its responses, slowloris frames, a flood of pipelined requests, requests naming
100,000 partitions, Fetch with the largest max_bytes and record batches that claim 2^31
records. Framing and garbage are test_bad_input.py's; these tests are about what a client
can make the broker hold.

Each test starts a broker with small limits, so that the limits are what is measured:
socket.request.max.bytes (1 MiB) caps what one connection has read and not yet answered
plus its unsent responses, queued.max.request.bytes (8 MiB) caps the same broker-wide;
while over, the broker stops reading (backpressure). The broker's resident memory
(/proc/<pid>/status) is measured around each hostile phase: its peak growth must stay
under the budget plus a slack (see memory_allowance), and each test prints one line with
the numbers (for docs/robustness.md; run with -s to see them). After every hostile phase a
well-behaved client must still be served. Deadlines are generous waits, never timing
assertions.

Under the AddressSanitizer build the broker runs with a small quarantine
(ASAN_OPTIONS quarantine_size_mb), which the allowance counts, as it counts ASan's redzones
and shadow memory."""

import bisect
import itertools
import os
import resource
import struct
import time

import pytest

import kafka_wire
from broker_process import sanitizer_build
from client_helpers import (TIMEOUT_SECONDS, confluent_producer, confluent_read, create_topic,
                            produce_all)
from confluent_kafka.admin import AdminClient, NewTopic
from hostile_sockets import (pipeline, push_until_stalled, raw_socket, unsent_bytes,
                             wait_until_closed_by_broker)
from kafka_probe import api_versions, fetched_records, metadata, produce
from kafka_wire import API_VERSIONS, FETCH, LIST_OFFSETS, METADATA, PRODUCE, FetchPartition
from process_memory import MIB, MemoryWatch, mib, open_file_count, open_file_limit, settle

NONE, CORRUPT_MESSAGE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_RECORD = 0, 2, 3, 87
INT32_MAX = 0x7FFFFFFF

SOCKET_REQUEST_MAX_BYTES = 1 * MIB
QUEUED_MAX_REQUEST_BYTES = 8 * MIB
SMALL_LIMITS = {"socket.request.max.bytes": SOCKET_REQUEST_MAX_BYTES,
                "queued.max.request.bytes": QUEUED_MAX_REQUEST_BYTES,
                "auto.create.topics.enable": False}
# A connection that cannot be written to for this long is closed (set small for the tests
# that wait for it).
SHORT_IDLE_MS = 3000
CLOSE_TIMEOUT_SECONDS = 30

ASAN_QUARANTINE_MIB = 8
# What the broker may hold beyond the budget, whatever the client does: coroutine frames
# and state of the connections, the allocator's free lists and fragmentation. Under ASan
# every allocation also carries redzones and 1/8 of shadow memory (half as much again,
# as measured here), the allocator keeps more metadata, and freed memory sits in the
# quarantine before it is reused.
RELEASE_SLACK = 4 * MIB
ASAN_SLACK = 8 * MIB


def memory_allowance(budget):
    if sanitizer_build():
        return (budget + RELEASE_SLACK) * 3 // 2 + ASAN_QUARANTINE_MIB * MIB + ASAN_SLACK
    return budget + RELEASE_SLACK


@pytest.fixture(autouse=True)
def small_asan_quarantine(monkeypatch):
    """ASan keeps freed memory in a quarantine of 256 MiB by default, which would be most
    of what these tests measure; the brokers started by a test inherit the environment."""
    if sanitizer_build():
        options = os.environ.get("ASAN_OPTIONS", "")
        monkeypatch.setenv("ASAN_OPTIONS", ":".join(
            filter(None, [options, f"quarantine_size_mb={ASAN_QUARANTINE_MIB}",
                          "thread_local_quarantine_size_kb=256"])))


@pytest.fixture
def raw_connect():
    """raw_connect(broker, **buffer sizes): a non-blocking socket (hostile_sockets), closed
    after the test and before its broker stops, so that a broker's graceful shutdown never
    waits on a hostile connection."""
    opened = []

    def open_socket(broker, **options):
        sock = raw_socket(broker, **options)
        opened.append(sock)
        return sock

    yield open_socket
    for sock in opened:
        sock.close()


def report(line):
    build = "asan" if sanitizer_build() else "release"
    print(f"\nhostile [{build}] {line}", flush=True)


def assert_served(broker, connect, probe):
    """A new connection gets ApiVersions and Metadata answered (default deadlines)."""
    connection = connect(broker, timeout_seconds=TIMEOUT_SECONDS)
    assert api_versions(connection, probe, 3)["error_code"] == NONE
    answer = metadata(connection, probe, 12, topics=None, allow_auto_topic_creation=False)
    assert [entry["node_id"] for entry in answer["brokers"]] == [1]


def create_topics(broker, names, partitions=1):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    for future in futures.values():
        assert future.result(timeout=TIMEOUT_SECONDS) is None


def produce_bytes(connection, probe, topic, partition, total_bytes, batch_bytes=512 * 1024):
    """Appends about total_bytes of incompressible values in batches of one record."""
    for _ in range(max(1, total_bytes // batch_bytes)):
        batch = kafka_wire.record_batch([(None, os.urandom(batch_bytes))])
        answer = produce(connection, probe, 8, {topic: {partition: batch}}, acks=1)
        assert answer["responses"][0]["partition_responses"][0]["error_code"] == NONE


def frame(api_key, version, body, correlation_id):
    return kafka_wire.request_frame(api_key, version, body, correlation_id, client_id="hostile")


def correlation_id_of(response):
    return struct.unpack_from(">i", response)[0]


def assert_within(watch, budget, what):
    allowance = memory_allowance(budget)
    assert watch.peak_growth <= allowance, (
        f"{what}: the broker's resident memory grew by {mib(watch.peak_growth)}, more than "
        f"the budget {mib(budget)} + slack ({mib(allowance)} in all); {watch.summary()}")


# ---------------------------------------------------------------------------------------
# 1. Idle connections
# ---------------------------------------------------------------------------------------

IDLE_CONNECTIONS = 1000
ADMIT_GROUP = 40


def assert_answered_in_turn(connections):
    """An ApiVersions request on each connection, then each answer."""
    for index, connection in enumerate(connections):
        connection.send_request(API_VERSIONS, 0, b"", correlation_id=index)
    for index, connection in enumerate(connections):
        assert correlation_id_of(connection.read_frame(TIMEOUT_SECONDS)) == index


def test_a_thousand_idle_connections_are_held_while_a_client_produces_and_consumes(
        start_broker, connect, probe):
    broker = start_broker(SMALL_LIMITS)
    # The broker inherited this process's limit when it started; raising ours now only
    # lets the test hold its end of the connections.
    broker_limit = open_file_limit(broker.pid)
    needed = IDLE_CONNECTIONS + 200
    assert broker_limit is None or broker_limit >= needed, (
        f"the broker's open file limit is {broker_limit}, below the {needed} descriptors "
        f"{IDLE_CONNECTIONS} connections need: raise it where the broker is started")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert_served(broker, connect, probe)
    settle(broker.pid)

    watch = MemoryWatch(broker.pid)
    held = []
    # In groups that fit the listen backlog (socket.listen.backlog.size, 50): the kernel
    # drops handshakes past it, which the client retries a second later. One request each,
    # so that the broker has accepted every connection, then silence.
    while len(held) < IDLE_CONNECTIONS:
        group = [connect(broker, timeout_seconds=TIMEOUT_SECONDS)
                 for _ in range(min(ADMIT_GROUP, IDLE_CONNECTIONS - len(held)))]
        assert_answered_in_turn(group)
        held += group
    settle(broker.pid)
    watch.stop()
    descriptors = open_file_count(broker.pid)
    assert descriptors >= IDLE_CONNECTIONS

    # A normal client produces and consumes while they are held.
    create_topic(broker, "beside-idle")
    producer = confluent_producer(broker, {"acks": "all"})
    messages = [(None, b"%d" % index, None) for index in range(100)]
    reports = produce_all(producer, "beside-idle", messages)
    assert not reports.errors and len(reports.acknowledged) == 100
    read = confluent_read(broker, "beside-idle", 0, 0, 100)
    assert [message.value() for message in read] == [value for _, value, _ in messages]

    # Every idle connection is still open and answered.
    assert_answered_in_turn(held)

    per_connection = watch.peak_growth / IDLE_CONNECTIONS
    report(f"idle connections: {IDLE_CONNECTIONS} held ({descriptors} broker descriptors), "
           f"{watch.summary()}, {per_connection / 1024:.1f} KiB per connection; "
           f"a producer and a consumer served beside them")
    per_connection_bound = (256 if sanitizer_build() else 64) * 1024
    assert per_connection <= per_connection_bound, (
        f"an idle connection costs the broker {per_connection / 1024:.1f} KiB")


# ---------------------------------------------------------------------------------------
# 2. Clients that never read their responses
# ---------------------------------------------------------------------------------------

# Metadata of every topic is the amplifier: a 30-byte request whose answer names all of
# them (~30 KiB with these names).
LONG_NAMED_TOPICS = [f"{'t' * 240}-{index:04d}" for index in range(100)]
DATA_TOPIC = "hostile-data"
NEVER_READ_REQUESTS = 20000


def never_reading_setup(broker, connect, probe):
    create_topics(broker, LONG_NAMED_TOPICS)
    create_topic(broker, DATA_TOPIC)
    produce_bytes(connect(broker), probe, DATA_TOPIC, 0, 1 * MIB)


def mixed_requests(count):
    """Metadata of all topics (three in five), Fetch of a partition with 1 MiB of data
    and ApiVersions, in turn, with correlation ids 0..count-1."""
    metadata_request = (METADATA, 12,
                        kafka_wire.metadata_request(12, None, allow_auto_topic_creation=False))
    fetch_body = kafka_wire.fetch_request(12, [(DATA_TOPIC, [FetchPartition(0, 0, MIB)])])
    kinds = [metadata_request, (FETCH, 12, fetch_body), metadata_request,
             (API_VERSIONS, 3, kafka_wire.api_versions_request(3)), metadata_request]
    return [frame(*kinds[index % len(kinds)], index) for index in range(count)]


def hold_never_reading_clients(raw_connect, broker, count):
    """count never-reading connections, each pushing requests until the broker stops
    reading it; returns them and how many whole requests each sent. Their kernel buffers
    are small (the TCP window follows them): they fill soon, and what piles up is the
    broker's."""
    sockets = [raw_connect(broker, receive_buffer_bytes=4096, send_buffer_bytes=16384)
               for _ in range(count)]
    frames = mixed_requests(NEVER_READ_REQUESTS)
    ends = list(itertools.accumulate(len(each) for each in frames))
    sent = push_until_stalled([(sock, b"".join(frames)) for sock in sockets])
    return sockets, [bisect.bisect_right(ends, count) for count in sent]


@pytest.mark.parametrize("clients", [1, 16])
def test_never_reading_clients_are_no_longer_read_and_closed_after_the_idle_time(
        start_broker, connect, raw_connect, probe, clients):
    # Unsent responses are bounded per connection (socket.request.max.bytes each), not by
    # the broker-wide queued.max.request.bytes: that pool holds requests being served, so
    # clients that never read cannot stop the broker from reading everyone else
    # (docs/server.md). They hold at most their connections' limits, and are closed after
    # the idle time.
    broker = start_broker({**SMALL_LIMITS, "connections.max.idle.ms": SHORT_IDLE_MS})
    never_reading_setup(broker, connect, probe)
    settle(broker.pid)

    watch = MemoryWatch(broker.pid)
    hostile, sent = hold_never_reading_clients(raw_connect, broker, clients)
    queued_in_kernel = sum(unsent_bytes(sock) for sock in hostile)
    # Others are served meanwhile.
    assert_served(broker, connect, probe)
    settle(broker.pid)
    watch.stop()
    closed = wait_until_closed_by_broker(hostile, CLOSE_TIMEOUT_SECONDS)
    report(f"{clients} never-reading client(s): {sum(sent)} requests sent "
           f"({min(sent)}..{max(sent)} each) before the broker stopped reading "
           f"({queued_in_kernel} bytes left in the clients' send queues), {watch.summary()} "
           f"(limit {mib(SOCKET_REQUEST_MAX_BYTES)} per connection); closed after "
           f"connections.max.idle.ms={SHORT_IDLE_MS}: {sum(closed)} of {len(closed)}")
    assert max(sent) < NEVER_READ_REQUESTS, "the broker read every request a client never reads"
    assert_within(watch, clients * SOCKET_REQUEST_MAX_BYTES, "never-reading clients")
    assert all(closed), f"{closed.count(False)} never-reading connections are still open"
    assert_served(broker, connect, probe)


# ---------------------------------------------------------------------------------------
# 3. Slowloris
# ---------------------------------------------------------------------------------------

SLOW_SMALL_CONNECTIONS = 150
SLOW_LARGE_CONNECTIONS = 20
TRICKLE_SECONDS = 3.0
TRICKLE_INTERVAL_SECONDS = 0.1
UNKNOWN_TOPIC = "no-such-topic"


def slow_frames():
    """ApiVersions frames, and Produce frames of nearly socket.request.max.bytes (a batch
    of 1,000,000 bytes to a topic that does not exist: the answer is cheap, so what the
    broker holds is the frames)."""
    small_body = kafka_wire.api_versions_request(3)
    batch = kafka_wire.record_batch([(None, os.urandom(1_000_000))])
    large_body = kafka_wire.produce_request(9, {UNKNOWN_TOPIC: {0: batch}}, acks=1)
    frames = [frame(API_VERSIONS, 3, small_body, index)
              for index in range(SLOW_SMALL_CONNECTIONS)]
    frames += [frame(PRODUCE, 9, large_body, SLOW_SMALL_CONNECTIONS + index)
               for index in range(SLOW_LARGE_CONNECTIONS)]
    assert len(frames[-1]) <= 4 + SOCKET_REQUEST_MAX_BYTES
    return frames


def test_slowloris_frames_are_held_cheaply_and_answered_once_complete(
        start_broker, connect, raw_connect, probe):
    broker = start_broker(SMALL_LIMITS)
    settle(broker.pid)
    frames = slow_frames()
    sockets = [raw_connect(broker) for _ in frames]
    sent = [0] * len(frames)

    watch = MemoryWatch(broker.pid)
    # One byte per connection per tick: the size prefix and the start of every frame.
    started = time.monotonic()
    served_meanwhile = False
    while time.monotonic() - started < TRICKLE_SECONDS:
        for index, sock in enumerate(sockets):
            sent[index] += sock.send(frames[index][sent[index]:sent[index] + 1])
        if not served_meanwhile and time.monotonic() - started > TRICKLE_SECONDS / 2:
            assert_served(broker, connect, probe)
            served_meanwhile = True
        time.sleep(TRICKLE_INTERVAL_SECONDS)
    settle(broker.pid)
    watch.stop()
    partial_bytes = sum(sent)
    assert all(0 < count < len(frame_bytes) for count, frame_bytes in zip(sent, frames))

    # The rest of every frame at once: each is answered.
    completing = MemoryWatch(broker.pid)
    responses = pipeline([(sock, frames[index][sent[index]:])
                          for index, sock in enumerate(sockets)], [1] * len(sockets))
    completing.stop()
    assert [correlation_id_of(response) for (response,) in responses] == list(range(len(frames)))
    small = probe.decode_response(API_VERSIONS, 3, responses[0][0])["body"]
    assert small["error_code"] == NONE
    (topic,) = probe.decode_response(PRODUCE, 9, responses[-1][0])["body"]["responses"]
    assert topic["partition_responses"][0]["error_code"] == UNKNOWN_TOPIC_OR_PARTITION
    announced = sum(len(frame_bytes) for frame_bytes in frames)
    report(f"slowloris: {len(sockets)} connections trickling 1 byte per "
           f"{TRICKLE_INTERVAL_SECONDS * 1000:.0f} ms for {TRICKLE_SECONDS:.0f} s "
           f"({partial_bytes} bytes of frames announcing {mib(announced)}), {watch.summary()} "
           f"(budget {mib(QUEUED_MAX_REQUEST_BYTES)}); every frame answered once complete, "
           f"{completing.summary()}")
    assert_within(watch, QUEUED_MAX_REQUEST_BYTES, "slowloris connections")
    assert_within(completing, QUEUED_MAX_REQUEST_BYTES, "completing the slowloris frames")
    assert_served(broker, connect, probe)


# ---------------------------------------------------------------------------------------
# 4. A flood of Metadata requests
# ---------------------------------------------------------------------------------------

FLOOD_CONNECTIONS = 4
FLOOD_REQUESTS_PER_CONNECTION = 2000


def test_a_flood_of_pipelined_metadata_requests_is_answered_in_order(
        start_broker, connect, raw_connect, probe):
    broker = start_broker(SMALL_LIMITS)
    create_topic(broker, "flooded", 3)
    settle(broker.pid)
    body = kafka_wire.metadata_request(12, None, allow_auto_topic_creation=False)
    flood = b"".join(frame(METADATA, 12, body, index)
                     for index in range(FLOOD_REQUESTS_PER_CONNECTION))
    sockets = [raw_connect(broker) for _ in range(FLOOD_CONNECTIONS)]

    watch = MemoryWatch(broker.pid)
    started = time.monotonic()
    responses = pipeline([(sock, flood) for sock in sockets],
                         [FLOOD_REQUESTS_PER_CONNECTION] * FLOOD_CONNECTIONS)
    seconds = time.monotonic() - started
    watch.stop()
    for answered in responses:
        assert [correlation_id_of(response) for response in answered] == list(
            range(FLOOD_REQUESTS_PER_CONNECTION))
        for response in (answered[0], answered[-1]):
            topics = probe.decode_response(METADATA, 12, response)["body"]["topics"]
            assert [topic["name"] for topic in topics] == ["flooded"]
    total = FLOOD_CONNECTIONS * FLOOD_REQUESTS_PER_CONNECTION
    report(f"Metadata flood: {total} pipelined requests on {FLOOD_CONNECTIONS} connections, "
           f"all answered in order ({total / seconds:.0f}/s), {watch.summary()} "
           f"(budget {mib(QUEUED_MAX_REQUEST_BYTES)})")
    assert_within(watch, QUEUED_MAX_REQUEST_BYTES, "a Metadata flood")
    assert_served(broker, connect, probe)


# ---------------------------------------------------------------------------------------
# 5. Requests naming 100,000 partitions
# ---------------------------------------------------------------------------------------

MANY = 100_000
# As many entries as the budget below holds (each is charged DECODED_ENTRY_BYTES).
HELD = 10_000
WIDE_TOPIC = "wide"
WIDE_PARTITIONS = 3
# These requests are 0.6 to 3.3 MiB: the frame limit is raised to let them in, and the
# broker-wide budget with it (it must be at least the frame limit).
WIDE_BUDGET = 16 * MIB
WIDE_LIMITS = {"socket.request.max.bytes": 4 * MIB, "queued.max.request.bytes": WIDE_BUDGET,
               "auto.create.topics.enable": False}
WIDE_ANSWER_TIMEOUT_SECONDS = 120
# What the broker charges each array element of a request to the budget while it serves
# it (server/request_decoding.h): decoding and answering an entry was measured at 309-731
# bytes in the release build.
DECODED_ENTRY_BYTES = 1024


def wide_request(api_key, count):
    """(version, body) of a request naming count topics (Metadata, all unknown) or count
    partitions of WIDE_TOPIC, of which the first WIDE_PARTITIONS exist."""
    partitions = range(count)
    if api_key == METADATA:
        names = [f"u{index:06d}" for index in range(count)]
        return 12, kafka_wire.metadata_request(12, names, allow_auto_topic_creation=False)
    if api_key == LIST_OFFSETS:
        return 7, kafka_wire.list_offsets_request(7, [(WIDE_TOPIC, [(p, -1) for p in partitions])])
    if api_key == FETCH:
        return 12, kafka_wire.fetch_request(
            12, [(WIDE_TOPIC, [FetchPartition(p, 0) for p in partitions])])
    batch = kafka_wire.record_batch([(None, b"one")])
    records = {partition: (batch if partition == 0 else b"") for partition in partitions}
    return 9, kafka_wire.produce_request(9, {WIDE_TOPIC: records}, acks=1)


def entry_errors(api_key, body):
    """{topic name (Metadata) or partition: error code} of a decoded answer."""
    if api_key == METADATA:
        return {topic["name"]: topic["error_code"] for topic in body["topics"]}
    if api_key == PRODUCE:
        (topic,) = body["responses"]
        return {entry["index"]: entry["error_code"] for entry in topic["partition_responses"]}
    (topic,) = body["topics"] if api_key == LIST_OFFSETS else body["responses"]
    return {entry["partition_index"]: entry["error_code"] for entry in topic["partitions"]}


WIDE_REQUESTS = {"metadata": METADATA, "list_offsets": LIST_OFFSETS, "fetch": FETCH,
                 "produce": PRODUCE}


@pytest.mark.parametrize("api_key", WIDE_REQUESTS.values(), ids=WIDE_REQUESTS.keys())
def test_wide_requests_are_answered_within_the_budget_or_refused(start_broker, connect, probe,
                                                                 api_key):
    """10,000 entries fit the 16 MiB budget and get a complete answer; 100,000 can never
    fit it, so the broker closes the connection before decoding them (as for a frame over
    socket.request.max.bytes). Either way the broker stays within the budget."""
    assert HELD * DECODED_ENTRY_BYTES < WIDE_BUDGET < MANY * DECODED_ENTRY_BYTES
    broker = start_broker(WIDE_LIMITS)
    create_topic(broker, WIDE_TOPIC, WIDE_PARTITIONS)
    produce_bytes(connect(broker), probe, WIDE_TOPIC, 0, 64 * 1024, batch_bytes=64 * 1024)
    what = [name for name, key in WIDE_REQUESTS.items() if key == api_key][0]

    version, body = wide_request(api_key, HELD)
    connection = connect(broker, timeout_seconds=WIDE_ANSWER_TIMEOUT_SECONDS)
    settle(broker.pid)
    watch = MemoryWatch(broker.pid)
    response = connection.request(api_key, version, body, WIDE_ANSWER_TIMEOUT_SECONDS)
    settle(broker.pid)
    watch.stop()
    errors = entry_errors(api_key, probe.decode_response(api_key, version, response)["body"])
    report(f"{what} of {HELD} entries: {len(frame(api_key, version, body, 1))} request "
           f"bytes, {len(response)} response bytes, answered, {watch.summary()} "
           f"(budget {mib(WIDE_BUDGET)})")
    assert len(errors) == HELD
    if api_key == METADATA:
        assert set(errors.values()) == {UNKNOWN_TOPIC_OR_PARTITION}
    else:
        unknown = {p: code for p, code in errors.items() if p >= WIDE_PARTITIONS}
        assert set(unknown.values()) == {UNKNOWN_TOPIC_OR_PARTITION}
        assert errors[0] == NONE
    assert_within(watch, WIDE_BUDGET, f"{what} of {HELD} entries")

    version, body = wide_request(api_key, MANY)
    connection = connect(broker, timeout_seconds=WIDE_ANSWER_TIMEOUT_SECONDS)
    settle(broker.pid)
    watch = MemoryWatch(broker.pid)
    connection.send_request(api_key, version, body)
    connection.assert_closed_by_broker(WIDE_ANSWER_TIMEOUT_SECONDS)
    settle(broker.pid)
    watch.stop()
    report(f"{what} of {MANY} entries: {len(frame(api_key, version, body, 1))} request "
           f"bytes, connection closed, {watch.summary()} (budget {mib(WIDE_BUDGET)})")
    assert_within(watch, WIDE_BUDGET, f"{what} of {MANY} entries")
    assert_served(broker, connect, probe)


# ---------------------------------------------------------------------------------------
# 6. Fetch with the largest max_bytes
# ---------------------------------------------------------------------------------------

BIG_TOPIC = "big"
BIG_BATCH_BYTES = 512 * 1024
BIG_BATCHES = 8


@pytest.mark.parametrize("version", [4, 12])
def test_fetch_with_int32_max_bytes_is_bounded_by_the_data(start_broker, connect, probe,
                                                           version):
    broker = start_broker(SMALL_LIMITS)
    create_topic(broker, BIG_TOPIC)
    connection = connect(broker, timeout_seconds=TIMEOUT_SECONDS)
    produce_bytes(connection, probe, BIG_TOPIC, 0, BIG_BATCHES * BIG_BATCH_BYTES, BIG_BATCH_BYTES)
    stored = BIG_BATCHES * BIG_BATCH_BYTES
    settle(broker.pid)

    watch = MemoryWatch(broker.pid)
    body = kafka_wire.fetch_request(
        version, [(BIG_TOPIC, [FetchPartition(0, 0, partition_max_bytes=INT32_MAX)])],
        max_bytes=INT32_MAX)
    response = connection.request(FETCH, version, body, TIMEOUT_SECONDS)
    watch.stop()
    (topic,) = probe.decode_response(FETCH, version, response)["body"]["responses"]
    (partition,) = topic["partitions"]
    assert partition["error_code"] == NONE
    records = fetched_records(partition)
    report(f"Fetch v{version} with max_bytes and partition_max_bytes INT32_MAX of "
           f"{mib(stored)} of values: {len(response)} response bytes, {len(records)} records, "
           f"{watch.summary()}")
    assert len(records) == BIG_BATCHES
    assert stored <= len(response) <= stored + 64 * 1024
    assert_within(watch, QUEUED_MAX_REQUEST_BYTES, "Fetch with INT32_MAX max_bytes")
    assert_served(broker, connect, probe)


# ---------------------------------------------------------------------------------------
# 7. Record batches that claim 2^31 records
# ---------------------------------------------------------------------------------------

COUNT_TOPIC = "claims"
GZIP = 1
# Positions in a v2 record batch (Kafka's DefaultRecordBatch).
LAST_OFFSET_DELTA_POSITION = 23
RECORD_COUNT_POSITION = 57
CRC_POSITION = 17
ATTRIBUTES_POSITION = 21

CLAIMS = {
    "max_int": (INT32_MAX, None),
    # lastOffsetDelta agrees, so the claim survives the batch-header checks and the
    # records must be read to find it false.
    "max_int_with_matching_last_offset_delta": (INT32_MAX, INT32_MAX - 1),
    "minus_one": (-1, None),
    "two_to_the_31_as_uint32": (-0x80000000, None),
}


def claiming_batch(count, last_offset_delta, compression_type):
    """A batch of one small record whose header claims `count` records, CRC correct."""
    import crc32c  # python3-crc32c; imported here so that collection never needs it

    batch = bytearray(kafka_wire.record_batch([(b"k", b"v" * 100)],
                                              compression_type=compression_type))
    struct.pack_into(">i", batch, RECORD_COUNT_POSITION, count)
    if last_offset_delta is not None:
        struct.pack_into(">i", batch, LAST_OFFSET_DELTA_POSITION, last_offset_delta)
    struct.pack_into(">I", batch, CRC_POSITION, crc32c.crc32c(bytes(batch[ATTRIBUTES_POSITION:])))
    return bytes(batch)


def produce_error(connection, probe, batch):
    answer = produce(connection, probe, 9, {COUNT_TOPIC: {0: batch}}, acks=-1)
    return answer["responses"][0]["partition_responses"][0]["error_code"]


def ensure_topic(broker, connect, probe, name):
    """The shared broker outlives a test: create the topic once (Metadata auto-creates)."""
    connection = connect(broker)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        (topic,) = metadata(connection, probe, 12, topics=[name])["topics"]
        if topic["error_code"] == NONE and topic["partitions"]:
            return
        assert time.monotonic() < deadline, f"topic {name} not created: {topic}"
        time.sleep(0.1)


@pytest.mark.parametrize("compression_type", [0, GZIP], ids=["uncompressed", "gzip"])
@pytest.mark.parametrize("claim", CLAIMS.values(), ids=CLAIMS.keys())
def test_batch_claiming_2_to_the_31_records_is_refused_without_allocating_for_them(
        shared_broker, connect, probe, claim, compression_type):
    ensure_topic(shared_broker, connect, probe, COUNT_TOPIC)
    connection = connect(shared_broker)
    honest = kafka_wire.record_batch([(b"k", b"v" * 100)], compression_type=compression_type)
    assert produce_error(connection, probe, honest) == NONE
    count, last_offset_delta = claim

    watch = MemoryWatch(shared_broker.pid)
    error = produce_error(connection, probe,
                          claiming_batch(count, last_offset_delta, compression_type))
    watch.stop()
    codec = "gzip" if compression_type else "uncompressed"
    report(f"{codec} batch claiming {count} records (lastOffsetDelta "
           f"{0 if last_offset_delta is None else last_offset_delta}): error {error}, "
           f"{watch.summary()}")
    assert error in (CORRUPT_MESSAGE, INVALID_RECORD)
    assert watch.address_space_peak_growth < 256 * MIB
    assert_within(watch, 0, "a batch claiming 2^31 records")
    assert produce_error(connection, probe, honest) == NONE
