"""Log compaction on the real broker (Kafka's LogCleaner; storage/log_cleaner.h): a topic
with cleanup.policy=compact keeps the latest record of every key once its segments are
cleaned, offsets never change (the log gets gaps) and the active segment is never cleaned;
tombstones stay visible until their delete horizon (delete.retention.ms after the first
clean that kept them, KIP-534) and a later clean removes them; min.compaction.lag.ms keeps
recent segments out of a clean and max.compaction.lag.ms forces one below the dirty ratio;
__consumer_offsets and __transaction_state are compacted the same way, and the coordinators
load their state from the cleaned logs after a restart.

The brokers run the cleaner every LOG_CLEANER_BACKOFF_MS (Kafka's default is 15 s); each
clean logs one line "cleaned <partition directory>: ...", which is how a test knows a
clean ran. Segments are made small with segment.bytes (at least 1 MiB, Kafka 4's floor) or
made to roll with segment.ms. Deadlines only bound the waits: nothing asserts how fast a
clean is. The keyless produce a compacted topic refuses (INVALID_RECORD) is tested in
test_topic_settings_on_produce.py and test_configs.py."""

import datetime
import os
import re
import time

import confluent_kafka
from confluent_kafka.admin import AdminClient, ConfigResource

from client_helpers import (TIMEOUT_SECONDS, confluent_consumer, confluent_producer,
                            confluent_read_to_end, create_topic, produce_all)

LOG_CLEANER_BACKOFF_MS = 200
CLEANER_SETTINGS = {"log.cleaner.backoff.ms": LOG_CLEANER_BACKOFF_MS}
CLEAN_TIMEOUT_SECONDS = 120
MIB = 1024 * 1024
# Rolls the active segment at the first append 100 ms after its first record, so that a
# test's records leave the (never cleaned) active segment without megabytes of filler.
QUICK_ROLLS = {"segment.ms": "100"}
ROLL_WAIT_SECONDS = 0.3
# Cleans a log as soon as a segment of it rolls (the logs of these tests are small: one
# new segment is more than 1% of them).
EAGER_CLEANING = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"}
HOUR_MS = 60 * 60 * 1000


# -- the broker's log and files ----------------------------------------------------------

def clean_lines(broker, partition_dir):
    """The broker log's lines for the cleans of one partition directory ("<topic>-<n>"),
    in this run of the broker."""
    pattern = re.compile(r"\bcleaned " + re.escape(partition_dir) + r"\b")
    return [line for line in broker.log_text.splitlines() if pattern.search(line)]


def wait_for_cleans(broker, partition_dir, count=1):
    """Waits until the broker logged `count` cleans of the partition; returns the lines."""
    deadline = time.monotonic() + CLEAN_TIMEOUT_SECONDS
    while True:
        lines = clean_lines(broker, partition_dir)
        if len(lines) >= count:
            return lines
        assert time.monotonic() < deadline, (
            f"{len(lines)} of {count} cleans of {partition_dir} logged within "
            f"{CLEAN_TIMEOUT_SECONDS}s")
        broker.check_running()
        time.sleep(0.1)


def segment_sizes(broker, partition_dir):
    """{base offset: .log size in bytes} of the partition's segments on disk."""
    directory = broker.data_dir / partition_dir
    sizes = {}
    for name in os.listdir(directory):
        if name.endswith(".log"):
            try:
                sizes[int(name[:-len(".log")])] = os.path.getsize(directory / name)
            except FileNotFoundError:  # swapped out by a clean meanwhile
                pass
    return sizes


def active_segment_base(broker, partition_dir):
    return max(segment_sizes(broker, partition_dir))


def log_bytes(broker, partition_dir):
    return sum(segment_sizes(broker, partition_dir).values())


def duplicate_keys_below(messages, active_base):
    """The keys more than one message below the active segment has."""
    seen = set()
    duplicates = set()
    for message in messages:
        if message.offset() >= active_base:
            break
        if message.key() in seen:
            duplicates.add(message.key())
        seen.add(message.key())
    return duplicates


def key_values(messages):
    return [(message.key(), message.value()) for message in messages]


def produce_then_roll(broker, topic, records):
    """Produces (key, value) records, then, once segment.ms has passed, one more record
    ("filler") that rolls the segment, leaving `records` in a cleanable segment."""
    producer = confluent_producer(broker)
    reports = produce_all(producer, topic, [(key, value, None) for key, value in records])
    assert reports.errors == []
    time.sleep(ROLL_WAIT_SECONDS)
    reports = produce_all(producer, topic, [(b"filler", b"rolls the segment", None)])
    assert reports.errors == []
    assert active_segment_base(broker, f"{topic}-0") == len(records), (
        "segment.ms did not roll the segment")


# -- a compacted topic ---------------------------------------------------------------------

KEY_COUNT = 1000
RECORD_COUNT = 1_000_000
KEYS = [b"k%04d" % index for index in range(KEY_COUNT)]


def numbered_value(offset):
    """Record `offset`'s value: its key, the key's sequence number and the offset."""
    return b"%s-%04d-%07d" % (KEYS[offset % KEY_COUNT], offset // KEY_COUNT, offset)


def produce_numbered_records(broker, topic, first, end):
    """Records [first, end) over KEY_COUNT keys in turn, into a partition whose log ends at
    `first`. The producer is idempotent, so record n lands at offset n (in order, once)."""
    failures = []
    producer = confluent_producer(broker, {
        "enable.idempotence": True, "linger.ms": 20, "batch.size": 128 * 1024,
        "delivery.report.only.error": True,
        "on_delivery": lambda error, message: failures.append(error)})
    for offset in range(first, end):
        key = KEYS[offset % KEY_COUNT]
        value = numbered_value(offset)
        while True:
            try:
                producer.produce(topic, value, key, partition=0)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(TIMEOUT_SECONDS * 4) == 0, "messages left undelivered"
    assert failures == []


def expected_offsets_after_compaction(active_base, end):
    """Below the active segment each key keeps its last record there; from the active
    segment on every record stays as it was written."""
    kept = sorted(active_base - 1 - (active_base - 1 - key) % KEY_COUNT
                  for key in range(min(KEY_COUNT, active_base)))
    return kept + list(range(active_base, end))


def compaction_mismatch(broker, topic, end):
    """Reads the partition of numbered records [0, end); None when it holds what a full
    clean leaves, else what differs."""
    active_base = active_segment_base(broker, f"{topic}-0")
    messages = confluent_read_to_end(broker, topic)
    offsets = [message.offset() for message in messages]
    expected = expected_offsets_after_compaction(active_base, end)
    if offsets != expected:
        first_difference = next((index for index, (got, want) in
                                 enumerate(zip(offsets, expected)) if got != want),
                                min(len(offsets), len(expected)))
        return (f"active segment at {active_base}: read {len(offsets)} records, expected "
                f"{len(expected)}; first difference at position {first_difference}: "
                f"{offsets[first_difference:first_difference + 3]} vs "
                f"{expected[first_difference:first_difference + 3]}")
    for message in messages:
        offset = message.offset()
        assert message.key() == KEYS[offset % KEY_COUNT], f"offset {offset}"
        assert message.value() == numbered_value(offset), f"offset {offset}"
    return None


def wait_until_compacted(broker, topic, end):
    """Waits for a clean, then until the numbered records [0, end) are compacted: a backlog
    larger than the offset map, or records that arrived during a clean, take more than
    one, so the partition is read again each time the log changed."""
    partition_dir = f"{topic}-0"
    wait_for_cleans(broker, partition_dir)
    deadline = time.monotonic() + CLEAN_TIMEOUT_SECONDS
    last_seen = None
    mismatch = "not read yet"
    while True:
        state = (len(clean_lines(broker, partition_dir)), segment_sizes(broker, partition_dir))
        if state != last_seen:
            last_seen = state
            mismatch = compaction_mismatch(broker, topic, end)
            if mismatch is None:
                return
        assert time.monotonic() < deadline, f"not compacted within the deadline: {mismatch}"
        broker.check_running()
        time.sleep(0.5)


def alter_topic_config(broker, topic, config):
    """AlterConfigs (the whole set: it replaces the topic's configs)."""
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource("topic", topic, set_config=config)
    assert admin.alter_configs([resource])[resource].result(timeout=TIMEOUT_SECONDS) is None


CLEAN_LINE = re.compile(r"^\[(?P<time>[\d-]+ [\d:.]+)\].* of (?P<mib>[\d.]+) MiB into .*"
                        r", (?P<seconds>[\d.]+) s,")


def clean_summary(lines, since_epoch_seconds):
    """What the cleans' log lines tell (for the test's output; the format is not the
    contract, so what does not parse is left out)."""
    parsed = [match for match in map(CLEAN_LINE.search, lines) if match]
    if not parsed:
        return f"{len(lines)} cleans"
    finished = datetime.datetime.strptime(parsed[-1]["time"], "%Y-%m-%d %H:%M:%S.%f")
    finished_seconds = finished.replace(tzinfo=datetime.timezone.utc).timestamp()
    return (f"{len(lines)} cleans of {sum(float(match['mib']) for match in parsed):.1f} MiB "
            f"taking {sum(float(match['seconds']) for match in parsed):.2f} s, the last "
            f"finished {finished_seconds - since_epoch_seconds:.1f} s after the dirty ratio "
            f"was lowered")


# No log is dirtier than 1: nothing is cleaned while records arrive; lowering the ratio
# then has one clean (or a few) handle the whole backlog.
HELD_BACK = {"cleanup.policy": "compact", "segment.bytes": str(MIB),
             "min.cleanable.dirty.ratio": "1"}
RELEASED = {**HELD_BACK, "min.cleanable.dirty.ratio": "0.01"}


def test_compacted_topic_keeps_latest_value_per_key(start_broker):
    broker = start_broker(CLEANER_SETTINGS)
    topic = "compacted"
    partition_dir = f"{topic}-0"
    create_topic(broker, topic, 1, HELD_BACK)
    started = time.monotonic()
    produce_numbered_records(broker, topic, 0, RECORD_COUNT)
    print(f"\nproduced {RECORD_COUNT} records over {KEY_COUNT} keys in "
          f"{time.monotonic() - started:.1f} s: {log_bytes(broker, partition_dir)} bytes in "
          f"{len(segment_sizes(broker, partition_dir))} segments")
    assert clean_lines(broker, partition_dir) == []

    released = time.time()
    alter_topic_config(broker, topic, RELEASED)
    wait_until_compacted(broker, topic, RECORD_COUNT)

    messages = confluent_read_to_end(broker, topic)
    offsets = [message.offset() for message in messages]
    active_base = active_segment_base(broker, partition_dir)
    # Offsets only increase, with gaps where older values were; the last record stays.
    assert all(earlier < later for earlier, later in zip(offsets, offsets[1:]))
    assert len(offsets) < RECORD_COUNT and offsets[-1] == RECORD_COUNT - 1
    # Every key's latest value is there, and below the active segment nothing older.
    latest = {}
    for message in messages:
        latest[message.key()] = message.value()
    assert latest == {key: numbered_value(RECORD_COUNT - KEY_COUNT + index)
                      for index, key in enumerate(KEYS)}
    assert duplicate_keys_below(messages, active_base) == set()
    lines = clean_lines(broker, partition_dir)
    print(f"after {clean_summary(lines, released)}: {len(messages)} of {RECORD_COUNT} records "
          f"left ({sum(1 for offset in offsets if offset < active_base)} below the active "
          f"segment at {active_base}), {log_bytes(broker, partition_dir)} bytes in "
          f"{len(segment_sizes(broker, partition_dir))} segments")
    print("last clean: " + lines[-1])


def test_a_later_clean_merges_the_small_cleaned_segments(start_broker):
    broker = start_broker(CLEANER_SETTINGS)
    topic = "merged"
    partition_dir = f"{topic}-0"
    create_topic(broker, topic, 1, HELD_BACK)
    first_round = 200_000
    produce_numbered_records(broker, topic, 0, first_round)
    alter_topic_config(broker, topic, RELEASED)
    wait_until_compacted(broker, topic, first_round)
    # A clean groups segments by their size before it (Kafka's groupSegmentsBySize), so
    # full segments stay apart and come out small.
    first_active_base = active_segment_base(broker, partition_dir)
    cleaned = sorted(segment_sizes(broker, partition_dir).items())[:-1]
    assert len(cleaned) > 1

    # The next clean merges the small ones: one segment takes their place.
    second_round = first_round + 50_000
    produce_numbered_records(broker, topic, first_round, second_round)
    wait_until_compacted(broker, topic, second_round)
    sizes = sorted(segment_sizes(broker, partition_dir).items())
    print(f"\nsegments below the active one (base, bytes): after the first clean {cleaned}, "
          f"after the second {sizes[:-1]}")
    assert [base for base, _ in sizes if base < first_active_base] == [0]
    assert all(size <= MIB for _, size in sizes)


# -- tombstones ----------------------------------------------------------------------------

TOMBSTONE_RECORDS = [(b"a", b"a1"), (b"b", b"b1"), (b"a", None), (b"c", b"c1"), (b"b", b"b2")]


def test_tombstones_removed_after_delete_retention(start_broker):
    broker = start_broker(CLEANER_SETTINGS)
    # Same records, two delete.retention.ms: one horizon no test outlives, one that passes.
    create_topic(broker, "tombstone-kept", 1,
                 {**EAGER_CLEANING, **QUICK_ROLLS, "delete.retention.ms": str(HOUR_MS)})
    create_topic(broker, "tombstone-removed", 1,
                 {**EAGER_CLEANING, **QUICK_ROLLS, "delete.retention.ms": "1000"})
    for topic in ("tombstone-kept", "tombstone-removed"):
        produce_then_roll(broker, topic, TOMBSTONE_RECORDS)

    # The first clean drops a's older value but keeps its tombstone, with a delete horizon.
    wait_for_cleans(broker, "tombstone-kept-0")
    kept = confluent_read_to_end(broker, "tombstone-kept")
    assert key_values(kept) == [(b"a", None), (b"c", b"c1"), (b"b", b"b2"),
                                (b"filler", b"rolls the segment")]
    assert [message.offset() for message in kept] == [2, 3, 4, 5]

    # Once the horizon passed, a later clean drops the tombstone itself.
    deadline = time.monotonic() + CLEAN_TIMEOUT_SECONDS
    while True:
        removed = confluent_read_to_end(broker, "tombstone-removed")
        if b"a" not in [message.key() for message in removed]:
            break
        assert time.monotonic() < deadline, (
            f"tombstone still there: {key_values(removed)}")
        time.sleep(0.5)
    assert key_values(removed) == [(b"c", b"c1"), (b"b", b"b2"),
                                   (b"filler", b"rolls the segment")]
    assert [message.offset() for message in removed] == [3, 4, 5]
    # One clean set the horizon, a later one removed the tombstone.
    assert len(clean_lines(broker, "tombstone-removed-0")) >= 2
    # The long horizon has not passed: the tombstone is still there.
    assert key_values(confluent_read_to_end(broker, "tombstone-kept")) == key_values(kept)


# -- compaction lags -------------------------------------------------------------------------

DUPLICATES = [(b"k", b"v%d" % index) for index in range(5)]


def assert_cleaned(broker, topic):
    """Partition 0 of topic gets cleaned, down to the last of produce_then_roll's
    duplicates and the filler."""
    wait_for_cleans(broker, f"{topic}-0")
    assert key_values(confluent_read_to_end(broker, topic)) == [
        (b"k", b"v4"), (b"filler", b"rolls the segment")]


def assert_never_cleaned(broker, topic):
    """After 15 more cleaner runs, partition 0 of topic still has had no clean and holds every
    duplicate produce_then_roll wrote."""
    time.sleep(15 * LOG_CLEANER_BACKOFF_MS / 1000)
    assert clean_lines(broker, f"{topic}-0") == []
    assert key_values(confluent_read_to_end(broker, topic)) == DUPLICATES + [
        (b"filler", b"rolls the segment")]


def test_min_compaction_lag_keeps_recent_records(start_broker):
    broker = start_broker(CLEANER_SETTINGS)
    create_topic(broker, "lagged", 1,
                 {**EAGER_CLEANING, **QUICK_ROLLS, "min.compaction.lag.ms": str(HOUR_MS)})
    # The same records without a lag show the cleaner ran meanwhile.
    create_topic(broker, "unlagged", 1, {**EAGER_CLEANING, **QUICK_ROLLS})
    for topic in ("lagged", "unlagged"):
        produce_then_roll(broker, topic, DUPLICATES)

    assert_cleaned(broker, "unlagged")
    # Many more cleaner runs on every shard, then still nothing of the lagged log cleaned.
    assert_never_cleaned(broker, "lagged")


def test_max_compaction_lag_cleans_a_log_below_the_dirty_ratio(start_broker):
    broker = start_broker(CLEANER_SETTINGS)
    # No dirty ratio exceeds 1: only max.compaction.lag.ms can make these logs due.
    below_ratio = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "1", **QUICK_ROLLS}
    create_topic(broker, "overdue", 1, {**below_ratio, "max.compaction.lag.ms": "1000"})
    create_topic(broker, "never-due", 1, below_ratio)
    for topic in ("overdue", "never-due"):
        produce_then_roll(broker, topic, DUPLICATES)

    assert_cleaned(broker, "overdue")
    assert_never_cleaned(broker, "never-due")


# -- internal topics -----------------------------------------------------------------------

# The internal topics get one partition and Kafka 4's smallest segment.bytes; long ids (the
# key of every record the coordinators write) fill those segments in a few seconds.
INTERNAL_TOPIC_SETTINGS = {
    **CLEANER_SETTINGS,
    "offsets.topic.num.partitions": 1, "offsets.topic.segment.bytes": MIB,
    "transaction.state.log.num.partitions": 1, "transaction.state.log.segment.bytes": MIB,
    "group.initial.rebalance.delay.ms": 0}


def wait_until_compacted_below_active_segment(broker, topic):
    """Waits for a clean of the internal topic's partition 0, then until it holds each key
    at most once below its active segment (segments that rolled during a clean wait for
    the next); returns (records left, active segment base, the cleans' log lines)."""
    partition_dir = f"{topic}-0"
    wait_for_cleans(broker, partition_dir)
    deadline = time.monotonic() + CLEAN_TIMEOUT_SECONDS
    while True:
        active_base = active_segment_base(broker, partition_dir)
        messages = confluent_read_to_end(broker, topic, config={
            "isolation.level": "read_uncommitted"})
        duplicates = duplicate_keys_below(messages, active_base)
        if not duplicates:
            return len(messages), active_base, clean_lines(broker, partition_dir)
        assert time.monotonic() < deadline, (
            f"{len(duplicates)} keys still duplicated below the active segment at "
            f"{active_base}")
        broker.check_running()
        time.sleep(0.5)


COMMIT_COUNT = 3000
COMMITTED_PARTITIONS = 3


def committed_offset(commit, partition):
    return commit * COMMITTED_PARTITIONS + partition


def committed_offsets(broker, group, topic):
    consumer = confluent_consumer(broker, {"group.id": group})
    try:
        asked = [confluent_kafka.TopicPartition(topic, partition)
                 for partition in range(COMMITTED_PARTITIONS)]
        return [(found.partition, found.offset)
                for found in consumer.committed(asked, timeout=TIMEOUT_SECONDS)]
    finally:
        consumer.close()


def test_consumer_offsets_compacted(start_broker):
    broker = start_broker(INTERNAL_TOPIC_SETTINGS)
    topic = "committed"
    create_topic(broker, topic, COMMITTED_PARTITIONS)
    group = "compacted-group-" + "g" * 400
    consumer = confluent_consumer(broker, {"group.id": group})
    try:
        for commit in range(COMMIT_COUNT):
            offsets = [confluent_kafka.TopicPartition(topic, partition,
                                                      committed_offset(commit, partition))
                       for partition in range(COMMITTED_PARTITIONS)]
            consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()
    last_commits = [(partition, committed_offset(COMMIT_COUNT - 1, partition))
                    for partition in range(COMMITTED_PARTITIONS)]

    records, active_base, lines = wait_until_compacted_below_active_segment(
        broker, "__consumer_offsets")
    print(f"\n{COMMIT_COUNT} commits of {COMMITTED_PARTITIONS} partitions: {records} records "
          f"left in __consumer_offsets-0 (active segment at {active_base}), "
          f"{log_bytes(broker, '__consumer_offsets-0')} bytes; last clean: {lines[-1]}")
    assert committed_offsets(broker, group, topic) == last_commits

    broker.restart()
    # The coordinator loaded the group's offsets from the cleaned log.
    assert committed_offsets(broker, group, topic) == last_commits


TRANSACTION_COUNT = 250


def test_transaction_state_compacted(start_broker):
    broker = start_broker(INTERNAL_TOPIC_SETTINGS)
    topic = "transactional"
    create_topic(broker, topic, 1)
    transactional_id = "compacted-txn-" + "t" * 4000
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap,
                                         "transactional.id": transactional_id})
    producer.init_transactions(TIMEOUT_SECONDS)
    for index in range(TRANSACTION_COUNT):
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"txn-%d" % index)
        producer.commit_transaction(TIMEOUT_SECONDS)

    records, active_base, lines = wait_until_compacted_below_active_segment(
        broker, "__transaction_state")
    print(f"\n{TRANSACTION_COUNT} transactions: {records} records left in "
          f"__transaction_state-0 (active segment at {active_base}), "
          f"{log_bytes(broker, '__transaction_state-0')} bytes; last clean: {lines[-1]}")

    del producer
    broker.restart()
    # The coordinator loaded the transactional id from the cleaned log: a new producer
    # fences the old one and commits.
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap,
                                         "transactional.id": transactional_id})
    producer.init_transactions(TIMEOUT_SECONDS)
    producer.begin_transaction()
    producer.produce(topic, key=b"k", value=b"after restart")
    producer.commit_transaction(TIMEOUT_SECONDS)
    values = [message.value() for message in confluent_read_to_end(
        broker, topic, config={"isolation.level": "read_committed"})]
    assert values == [b"txn-%d" % index for index in range(TRANSACTION_COUNT)] + [
        b"after restart"]
