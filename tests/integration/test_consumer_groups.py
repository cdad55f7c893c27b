"""Consumer groups against the group coordinator, with real clients: confluent-kafka
(librdkafka 2.0.2) consumers sharing partitions, rebalancing when members join, leave or
die (kill -9 of a consumer process), cooperative-sticky assignment, kafka-python's group
consumer, independent groups, and committed offsets: sync, async, auto and explicit
commits, seek, and a restart of the broker between commit and resume.

Most brokers here run with group.initial.rebalance.delay.ms=0 so that a first join is not
held for Kafka's default 3 s; one test keeps the default. Deadlines are generous: tests
assert what happens, never how fast."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import confluent_kafka
import kafka
import pytest

from client_helpers import TIMEOUT_SECONDS, confluent_producer, create_topic, produce_all

PARTITIONS = 6
FAST_GROUPS = {"group.initial.rebalance.delay.ms": 0}
# The smallest session timeout the broker accepts by default (group.min.session.timeout.ms).
SESSION_TIMEOUT_MS = 6000


def group_consumer(broker, group, config=None):
    return confluent_kafka.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                                     "enable.auto.commit": False,
                                     "auto.offset.reset": "earliest",
                                     "session.timeout.ms": SESSION_TIMEOUT_MS,
                                     **(config or {})})


def produce_numbered(broker, topic, count, partition=None):
    producer = confluent_producer(broker, {"linger.ms": 5})
    messages = [(f"key-{index}".encode(), f"value-{index}".encode(), None)
                for index in range(count)]
    reports = produce_all(producer, topic, messages, partition)
    assert reports.errors == []
    return reports.acknowledged


def poll_until(consumers, done, timeout=TIMEOUT_SECONDS, received=None):
    """Polls every consumer in turn until done() holds; messages go to received[consumer
    index] when given. Fails at the deadline."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        for index, consumer in enumerate(consumers):
            message = consumer.poll(0.1)
            if message is None:
                continue
            assert message.error() is None, message.error()
            if received is not None:
                received[index].append(message)


def assigned_counts(consumers):
    return [len(consumer.assignment()) for consumer in consumers]


def close_all(consumers):
    for consumer in consumers:
        consumer.close()


def values_of(messages):
    return [message.value() for message in messages]


def test_two_consumers_split_six_partitions_and_a_third_member_spreads_them(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "shared", PARTITIONS)
    first, second = group_consumer(broker, "split"), group_consumer(broker, "split")
    consumers = [first, second]
    try:
        for consumer in consumers:
            consumer.subscribe(["shared"])
        poll_until(consumers, lambda: assigned_counts(consumers) == [3, 3])
        owned = {(p.topic, p.partition) for c in consumers for p in c.assignment()}
        assert owned == {("shared", partition) for partition in range(PARTITIONS)}

        third = group_consumer(broker, "split")
        consumers.append(third)
        third.subscribe(["shared"])
        poll_until(consumers, lambda: assigned_counts(consumers) == [2, 2, 2])
        owned = {(p.topic, p.partition) for c in consumers for p in c.assignment()}
        assert len(owned) == PARTITIONS
    finally:
        close_all(consumers)


def test_every_record_reaches_exactly_one_member_and_every_group(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "events", PARTITIONS)
    members = [group_consumer(broker, "billing"), group_consumer(broker, "billing")]
    other = [group_consumer(broker, "audit")]
    try:
        for consumer in members + other:
            consumer.subscribe(["events"])
        # Records go out once the members share the partitions: a member that consumed
        # before a rebalance, without committing, would have its records read again by the
        # next owner (at-least-once, as in Kafka).
        poll_until(members, lambda: assigned_counts(members) == [3, 3])
        acknowledged = produce_numbered(broker, "events", 600)
        expected = sorted(value for _, _, value in acknowledged)
        received = [[], []]
        poll_until(members, lambda: sum(map(len, received)) >= len(expected), received=received)
        assert all(received), "both members of the group consumed"
        assert sorted(values_of(received[0] + received[1])) == expected

        audit = [[]]
        poll_until(other, lambda: len(audit[0]) >= len(expected), received=audit)
        assert sorted(values_of(audit[0])) == expected
    finally:
        close_all(members + other)


CONSUMER_PROCESS = textwrap.dedent("""
    import sys
    import confluent_kafka
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": sys.argv[1], "group.id": sys.argv[2],
        "session.timeout.ms": int(sys.argv[3]), "enable.auto.commit": False})
    consumer.subscribe([sys.argv[4]])
    announced = False
    while True:
        consumer.poll(0.2)
        if consumer.assignment() and not announced:
            print("assigned", len(consumer.assignment()), flush=True)
            announced = True
""")


def test_partitions_of_a_killed_member_move_after_its_session_timeout(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "failover", PARTITIONS)
    survivor = group_consumer(broker, "failover-group")
    doomed = subprocess.Popen(
        [sys.executable, "-c", CONSUMER_PROCESS, broker.bootstrap, "failover-group",
         str(SESSION_TIMEOUT_MS), "failover"], stdout=subprocess.PIPE, text=True)
    try:
        assert doomed.stdout.readline().startswith("assigned")
        survivor.subscribe(["failover"])
        poll_until([survivor], lambda: len(survivor.assignment()) == 3)

        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        # The dead member's session expires; the rebalance hands its partitions over.
        poll_until([survivor], lambda: len(survivor.assignment()) == PARTITIONS,
                   timeout=SESSION_TIMEOUT_MS / 1000 + TIMEOUT_SECONDS)
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
        survivor.close()


def test_cooperative_sticky_assignment_rebalances_incrementally(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "sticky", PARTITIONS)
    config = {"partition.assignment.strategy": "cooperative-sticky"}
    first = group_consumer(broker, "sticky-group", config)
    consumers = [first]
    try:
        first.subscribe(["sticky"])
        poll_until(consumers, lambda: assigned_counts(consumers) == [PARTITIONS])
        before = {p.partition for p in first.assignment()}

        second = group_consumer(broker, "sticky-group", config)
        consumers.append(second)
        second.subscribe(["sticky"])
        poll_until(consumers, lambda: assigned_counts(consumers) == [3, 3])
        # Sticky: the first member kept half of what it had and gave away the rest.
        kept = {p.partition for p in first.assignment()}
        assert kept < before
        assert kept.isdisjoint({p.partition for p in second.assignment()})
    finally:
        close_all(consumers)


def test_kafka_python_group_consumer_reads_and_commits(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "python-group", 3)
    acknowledged = produce_numbered(broker, "python-group", 90)
    consumer = kafka.KafkaConsumer("python-group", bootstrap_servers=broker.bootstrap,
                                   group_id="python", auto_offset_reset="earliest",
                                   enable_auto_commit=False,
                                   consumer_timeout_ms=TIMEOUT_SECONDS * 1000)
    try:
        values = []
        for record in consumer:
            values.append(record.value)
            if len(values) == len(acknowledged):
                break
        assert sorted(values) == sorted(value for _, _, value in acknowledged)
        consumer.commit()
        for partition in range(3):
            assigned = kafka.TopicPartition("python-group", partition)
            assert consumer.committed(assigned) == consumer.position(assigned)
    finally:
        consumer.close()


def read_committed_group(broker, group, topic, count, commit):
    """Consumes `count` messages of `topic` in `group`, calling commit(consumer, message)
    after each; returns the values read."""
    consumer = group_consumer(broker, group)
    try:
        consumer.subscribe([topic])
        values = []
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while len(values) < count:
            assert time.monotonic() < deadline, f"read {len(values)} of {count}"
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            values.append(message.value())
            commit(consumer, message)
        return values
    finally:
        consumer.close()


def test_committed_offsets_survive_a_restart_and_the_group_resumes_after_the_last_commit(
        start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "resume", 1)
    produce_numbered(broker, "resume", 100, partition=0)

    def commit_sync(consumer, message):
        consumer.commit(message=message, asynchronous=False)

    first = read_committed_group(broker, "resumers", "resume", 40, commit_sync)
    broker.restart()
    rest = read_committed_group(broker, "resumers", "resume", 60, commit_sync)
    # No loss, no duplicates: the second run starts right after the last commit.
    assert first + rest == [f"value-{index}".encode() for index in range(100)]


def test_async_commits_and_explicit_offsets_are_what_a_new_member_starts_from(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "explicit", 1)
    produce_numbered(broker, "explicit", 50, partition=0)

    def commit_async(consumer, message):
        consumer.commit(message=message, asynchronous=True)

    read_committed_group(broker, "async-group", "explicit", 20, commit_async)
    starts_at = read_committed_group(broker, "async-group", "explicit", 1, commit_async)
    assert starts_at == [b"value-20"]

    consumer = group_consumer(broker, "async-group")
    try:
        chosen = confluent_kafka.TopicPartition("explicit", 0, 42)
        consumer.commit(offsets=[chosen], asynchronous=False)
        committed = consumer.committed([confluent_kafka.TopicPartition("explicit", 0)],
                                       timeout=TIMEOUT_SECONDS)
        assert committed[0].offset == 42
    finally:
        consumer.close()
    assert read_committed_group(broker, "async-group", "explicit", 1,
                                lambda *_: None) == [b"value-42"]


def test_auto_commit_commits_what_was_consumed(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "auto", 1)
    produce_numbered(broker, "auto", 30, partition=0)
    consumer = group_consumer(broker, "auto-group", {"enable.auto.commit": True,
                                                     "auto.commit.interval.ms": 100})
    try:
        consumer.subscribe(["auto"])
        received = [[]]
        poll_until([consumer], lambda: len(received[0]) >= 30, received=received)
    finally:
        consumer.close()  # commits the consumed offsets on the way out
    checker = group_consumer(broker, "auto-group")
    try:
        committed = checker.committed([confluent_kafka.TopicPartition("auto", 0)],
                                      timeout=TIMEOUT_SECONDS)
        assert committed[0].offset == 30
    finally:
        checker.close()


def test_seek_moves_a_group_member_and_its_next_commit(start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "seeking", 1)
    produce_numbered(broker, "seeking", 30, partition=0)
    consumer = group_consumer(broker, "seekers")
    try:
        consumer.subscribe(["seeking"])
        received = [[]]
        poll_until([consumer], lambda: len(received[0]) >= 5, received=received)
        consumer.seek(confluent_kafka.TopicPartition("seeking", 0, 25))
        after = [[]]
        poll_until([consumer], lambda: len(after[0]) >= 5, received=after)
        assert values_of(after[0]) == [f"value-{index}".encode() for index in range(25, 30)]
        consumer.commit(asynchronous=False)
        committed = consumer.committed([confluent_kafka.TopicPartition("seeking", 0)],
                                       timeout=TIMEOUT_SECONDS)
        assert committed[0].offset == 30
    finally:
        consumer.close()


def test_a_first_join_waits_for_the_initial_rebalance_delay_then_completes(start_broker):
    broker = start_broker()  # Kafka's default group.initial.rebalance.delay.ms: 3000
    create_topic(broker, "delayed", 2)
    consumer = group_consumer(broker, "delayed-group")
    try:
        consumer.subscribe(["delayed"])
        poll_until([consumer], lambda: len(consumer.assignment()) == 2)
    finally:
        consumer.close()


def test_a_static_member_restarting_within_its_session_timeout_keeps_its_partitions(
        start_broker):
    broker = start_broker(FAST_GROUPS)
    create_topic(broker, "static", PARTITIONS)
    revoked = []
    steady = group_consumer(broker, "static-group", {"group.instance.id": "steady"})
    steady.subscribe(["static"], on_revoke=lambda consumer, partitions: revoked.append(1))
    restarting = group_consumer(broker, "static-group", {"group.instance.id": "restarting"})
    restarting.subscribe(["static"])
    consumers = [steady, restarting]
    try:
        poll_until(consumers, lambda: assigned_counts(consumers) == [3, 3])
        kept = sorted(p.partition for p in restarting.assignment())
        revoked.clear()
        # A static member leaves no LeaveGroup behind when it closes (KIP-345).
        restarting.close()
        again = group_consumer(broker, "static-group", {"group.instance.id": "restarting"})
        consumers = [steady, again]
        again.subscribe(["static"])
        poll_until(consumers, lambda: len(again.assignment()) == 3)
        assert sorted(p.partition for p in again.assignment()) == kept
        settle = time.monotonic() + 2
        poll_until(consumers, lambda: time.monotonic() > settle)
        assert revoked == [], "the other member was not rebalanced"
        assert len(steady.assignment()) == 3
    finally:
        close_all(consumers)
