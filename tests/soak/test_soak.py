"""The durability soak: idempotent acks=all producers keep producing while the real broker
is killed with kill -9 and restarted, again and again, on the same port and data
directory; at the end every partition is read back and checked (soak_oracle.py).

Producers (soak_producers.py, confluent-kafka on librdkafka): two steady ones that keep
one producer id across every restart and one rotating one that takes a new producer id
every few thousand records. Each has its own rate, burst sizes, linger, batch size,
in-flight limit and compression. Records are named by producer and sequence number
(soak_records.py); a record's delivery report says acknowledged (with its partition and
offset) or failed. The message timeout outlasts every outage, so librdkafka retries a
record across restarts; a record that still fails is allowed to be missing, never to be
twice in the log.

Each cycle is one kill -9, at a moment of one of these kinds:

  soon      right after the broker logged `ready` (0 to 100 ms), while the producers
            reconnect and retry what the last run left unanswered
  acks      after a random number (1 to 5000) of new acknowledgements, plus 0 to 20 ms:
            in the middle of heavy produce
  time      0.1 to 2.5 s after `ready`
  shutdown  SIGTERM 0.05 to 1 s after `ready`, then kill -9 0 to 50 ms later: a graceful
            shutdown (final snapshots and checkpoints) cut short
  start-up  0 to 30 ms after the process was spawned: during recovery, or just after

Between a kill and the next start the broker stays down for 0 to 1.5 s. After the last
cycle the broker is started once more, the producers deliver everything they still have,
and the check runs: every acknowledged record is present exactly once at the offset its
acknowledgement reported, no record is in the log twice, each producer's records are in
sequence order in every partition, every record is intact, and offsets have no gaps.

Run with Debian's interpreter:
    SAMSA_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest tests/soak
SAMSA_SOAK_CYCLES=<n> sets the number of kills (default 10, a short run that is part of
`make test`; `make soak` runs 100); SAMSA_SOAK_SEED=<n> replays a run's choices (the seed
is printed). Thread timing is not replayed, so a seed reproduces a schedule of kills, not
an exact interleaving.
"""

import collections
import os
import random
import time

import pytest

from client_helpers import create_topic
from soak_oracle import LogCheck, read_partitions, records_at
from soak_producers import FINAL_DRAIN_SECONDS, SoakProducer

CYCLES = int(os.environ.get("SAMSA_SOAK_CYCLES", "10"))
TOPIC = "soak"
PARTITIONS = 4
# Segments roll every MiB, so kills also land around rolls and producer-state snapshots.
TOPIC_CONFIG = {"segment.bytes": "1048576"}
STEADY_PRODUCERS = 2
ROTATING_PRODUCERS = 1
KILL_KINDS = {"soon": 2, "acks": 4, "time": 3, "shutdown": 1}
START_UP_KILL_SHARE = 0.15
# Producers that get no acknowledgement for this long from a running broker are stuck.
STALL_SECONDS = 45
JOIN_SECONDS = FINAL_DRAIN_SECONDS + 30


def acknowledged(producers):
    return sum(producer.acknowledged() for producer in producers)


def producers_state(producers):
    return "\n".join(producer.describe() for producer in producers)


def check_producers(producers):
    for producer in producers:
        if producer.crash is not None:
            raise AssertionError(f"producer {producer.producer_name} failed:\n{producer.crash}")


def wait_for_acknowledgements(broker, producers, wanted):
    """Waits until the producers hold `wanted` acknowledgements in all; fails when they make
    no progress for STALL_SECONDS while the broker runs."""
    last_count = acknowledged(producers)
    last_progress = time.monotonic()
    while last_count < wanted:
        check_producers(producers)
        broker.check_running()
        time.sleep(0.002)
        count = acknowledged(producers)
        if count > last_count:
            last_count, last_progress = count, time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS:
            tails = "\n".join(f"-- librdkafka log of {producer.producer_name}:\n"
                              f"{producer.log_tail()}" for producer in producers)
            raise AssertionError(
                f"no acknowledgement for {STALL_SECONDS} s during "
                f"{broker.describe_run(broker.current_run)}\n"
                f"{producers_state(producers)}\n{tails}")


def kill_at_random_moment(broker, producers, rng):
    """Kills the running broker at a moment of a random kind; returns the kind."""
    kind = rng.choices(list(KILL_KINDS), weights=list(KILL_KINDS.values()))[0]
    if kind == "soon":
        time.sleep(rng.choice([0, rng.uniform(0, 0.01), rng.uniform(0, 0.1)]))
    elif kind == "acks":
        more = rng.choice([1, rng.randint(1, 100), rng.randint(100, 5000)])
        wait_for_acknowledgements(broker, producers, acknowledged(producers) + more)
        time.sleep(rng.choice([0, rng.uniform(0, 0.002), rng.uniform(0, 0.02)]))
    elif kind == "time":
        time.sleep(rng.uniform(0.1, 2.5))
    else:
        time.sleep(rng.uniform(0.05, 1.0))
        broker.kill_during_shutdown(rng.choice([0, rng.uniform(0, 0.005), rng.uniform(0, 0.05)]))
        return kind
    broker.kill_running(kind)
    return kind


def down_time(rng):
    return rng.choice([0, rng.uniform(0, 0.2), rng.uniform(0.2, 1.5)])


def run_cycles(broker, producers, rng):
    """CYCLES kills; returns {kind: count} and how many start-up kills came before
    `ready`. The broker is down at the end."""
    kinds = collections.Counter()
    before_ready = 0
    for _ in range(CYCLES):
        check_producers(producers)
        if not broker.is_running() and rng.random() < START_UP_KILL_SHARE:
            delay = rng.choice([0, rng.uniform(0, 0.005), rng.uniform(0, 0.03)])
            before_ready += broker.start_killed_during_start_up(delay)
            kinds["start-up"] += 1
        else:
            if not broker.is_running():
                broker.start()
            kinds[kill_at_random_moment(broker, producers, rng)] += 1
        time.sleep(down_time(rng))
    return kinds, before_ready


def finish_producers(producers):
    for producer in producers:
        producer.stop()
    for producer in producers:
        producer.join(JOIN_SECONDS)
        assert not producer.is_alive(), \
            f"producer {producer.producer_name} still running {JOIN_SECONDS} s after stop()"
    check_producers(producers)


def delivery_failures(producers):
    """What the producers could not finish: fatal errors and records never reported."""
    failures = []
    for producer in producers:
        for label, run, error in producer.fatal_errors:
            failures.append(f"producer instance {label}: fatal error during broker run "
                            f"{run}: {error}\n-- its librdkafka log:\n{producer.log_tail()}")
        if producer.undelivered:
            failures.append(f"producer {producer.producer_name}: {producer.undelivered} "
                            f"records without a delivery report {FINAL_DRAIN_SECONDS} s "
                            f"after the last restart")
    return failures


def test_acknowledged_records_survive_kill_9_cycles(soak_broker, capsys):
    seed = int(os.environ.get("SAMSA_SOAK_SEED", str(random.randrange(1 << 32))))
    rng = random.Random(seed)
    broker = soak_broker
    started = time.monotonic()
    broker.start()
    create_topic(broker, TOPIC, PARTITIONS, TOPIC_CONFIG)

    def current_run():
        return broker.current_run

    producers = [SoakProducer(f"{prefix}{index}", broker.bootstrap, TOPIC, current_run,
                              random.Random(rng.getrandbits(64)), rotating=prefix == "r")
                 for prefix, count in (("p", STEADY_PRODUCERS), ("r", ROTATING_PRODUCERS))
                 for index in range(count)]
    for producer in producers:
        producer.start()
    finished = False
    try:
        kinds, before_ready = run_cycles(broker, producers, rng)
        broker.start()
        finish_producers(producers)
        finished = True
    except Exception as error:
        raise AssertionError(f"SAMSA_SOAK_SEED={seed}, broker directory {broker.work_dir}: "
                             f"{error}") from error
    finally:
        if not finished:
            for producer in producers:
                producer.stop(drain=False)

    ledgers = [ledger for producer in producers for ledger in producer.ledgers]
    check = LogCheck(ledgers, broker.describe_run)
    ends = read_partitions(broker.bootstrap, TOPIC, PARTITIONS, check.visit)
    check.finish()
    positions = records_at(broker.bootstrap, TOPIC, check.positions_to_show[:20])
    elapsed = time.monotonic() - started

    acked = sum(ledger.acknowledged for ledger in ledgers)
    cycles = sum(kinds.values())
    summary = (f"soak: {cycles} kill -9 cycles, {acked} acknowledged records, "
               f"{check.checked} records checked, {check.counts['lost']} lost, "
               f"{check.counts['duplicated']} duplicated, {elapsed:.1f} s, seed={seed}")
    details = (f"soak details: kills {dict(sorted(kinds.items()))} ({before_ready} before "
               f"`ready`); {len(ledgers)} producer ids; "
               f"{sum(ledger.produced for ledger in ledgers)} records produced, "
               f"{check.unacknowledged_present} unacknowledged ones in the log and "
               f"{check.unacknowledged_missing} not; {check.acknowledged_after_a_kill} "
               f"acknowledged by a later broker run than the one they were produced in; "
               f"client errors "
               f"{sum(producer.client_errors for producer in producers)}; partition ends "
               f"{[ends[partition][1] for partition in range(PARTITIONS)]}")
    errors = collections.Counter(error for ledger in ledgers for error in ledger.errors.values())
    logs = sum((producer.log_facilities() for producer in producers), collections.Counter())
    details += (f"\nsoak delivery errors {dict(errors)}; librdkafka log lines by facility "
                f"{dict(sorted(logs.items()))}")
    with capsys.disabled():
        print(f"\n{summary}\n{details}")

    failures = delivery_failures(producers)
    if any(low != 0 for low, _ in ends.values()):
        failures.append(f"log start offsets moved (nothing deletes here): {ends}")
    if check.counts or failures:
        runs = "\n".join(run.describe() for run in broker.runs)
        pytest.fail(f"{summary}\n{details}\n" + "\n".join(failures) +
                    f"\n{check.report(positions)}\n-- broker runs:\n{runs}\n"
                    f"-- producers:\n{producers_state(producers)}\n"
                    f"replay with SAMSA_SOAK_SEED={seed}; data in {broker.data_dir}",
                    pytrace=False)
    assert cycles == CYCLES and acked > 0, "the soak checked nothing"
