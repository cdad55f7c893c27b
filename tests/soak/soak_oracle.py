"""The soak's verdict: every partition read back from its start and checked against what
the producers were told.

Kafka ducktape's oracle (every acknowledged record is consumed) and more. Each kind of
problem the LogCheck finds:

  lost        an acknowledged record is not in the log
  misplaced   an acknowledged record is in the log, but not at the partition and offset
              its acknowledgement reported
  duplicated  a record, acknowledged or not, is in the log more than once
  reordered   within a partition, a producer instance's records are not in increasing
              sequence order (idempotence keeps each producer's order per partition)
  corrupted   a record whose key or value is not the one its name gives
  foreign     a record no soak producer produced
  gap         a partition's offsets are not contiguous from 0 (nothing here deletes,
              compacts or writes transaction markers, so every offset holds a record)

A record that failed, or was purged, is allowed to be missing, and once in the log.
"""

import array
import collections
import time

import confluent_kafka

from soak_records import ACKNOWLEDGED, parse_value, record_key, record_value

TIMEOUT_SECONDS = 30
# The read fails when no record arrives for this long while records are still expected.
READ_STALL_SECONDS = 60
CONSUME_BATCH = 1000
# A failure report lists this many examples of each kind of problem (and counts them all).
EXAMPLES_PER_KIND = 12


def _consumer(bootstrap):
    return confluent_kafka.Consumer({"bootstrap.servers": bootstrap,
                                     "group.id": "samsa-soak-checker",
                                     "enable.auto.commit": False,
                                     "check.crcs": True,
                                     "fetch.wait.max.ms": 100})


def read_partitions(bootstrap, topic, partitions, visit):
    """Calls visit(partition, offset, key, value) for every record of every partition,
    from offset 0 to the high watermark read first (the producers are done). Returns
    {partition: (low watermark, high watermark)}."""
    consumer = _consumer(bootstrap)
    try:
        ends = {partition: consumer.get_watermark_offsets(
                    confluent_kafka.TopicPartition(topic, partition), timeout=TIMEOUT_SECONDS)
                for partition in range(partitions)}
        remaining = {partition for partition, (_, high) in ends.items() if high > 0}
        consumer.assign([confluent_kafka.TopicPartition(topic, partition, 0)
                         for partition in sorted(remaining)])
        progress = time.monotonic()
        while remaining:
            messages = consumer.consume(CONSUME_BATCH, 1.0)
            if not messages:
                assert time.monotonic() - progress < READ_STALL_SECONDS, (
                    f"reading {topic} back: nothing for {READ_STALL_SECONDS} s; partitions "
                    f"{sorted(remaining)} not read to their ends {ends}")
                continue
            progress = time.monotonic()
            for message in messages:
                assert message.error() is None, f"reading {topic} back: {message.error()}"
                partition, offset = message.partition(), message.offset()
                visit(partition, offset, message.key(), message.value())
                if offset >= ends[partition][1] - 1:
                    remaining.discard(partition)
        return ends
    finally:
        consumer.close()


def records_at(bootstrap, topic, positions):
    """{(partition, offset): description} of the record at each position, for failure
    reports."""
    found = {}
    consumer = _consumer(bootstrap)
    try:
        for partition, offset in positions:
            consumer.assign([confluent_kafka.TopicPartition(topic, partition, offset)])
            message = consumer.poll(TIMEOUT_SECONDS)
            if message is None or message.error() is not None:
                found[(partition, offset)] = f"nothing readable ({message and message.error()})"
            elif message.offset() != offset:
                found[(partition, offset)] = (f"no record: the next one is at offset "
                                              f"{message.offset()}")
            else:
                name = parse_value(message.value())
                found[(partition, offset)] = (f"{name[0]}/{name[1]}" if name else
                                              f"a foreign record {message.value()[:40]!r}")
    finally:
        consumer.close()
    return found


class LogCheck:
    """Fed every record of the log by read_partitions(), then finish()ed."""

    def __init__(self, ledgers, describe_run):
        self._ledgers = {ledger.label: ledger for ledger in ledgers}
        self._describe_run = describe_run
        self._found_partition = {label: array.array("h", [-1]) * ledger.produced
                                 for label, ledger in self._ledgers.items()}
        self._found_offset = {label: array.array("q", [-1]) * ledger.produced
                              for label, ledger in self._ledgers.items()}
        self._last_in_partition = {}  # (partition, label) -> (sequence, offset)
        self._next_offset = collections.defaultdict(int)  # partition -> offset expected
        self.examples = collections.defaultdict(list)  # kind -> [text]
        self.counts = collections.Counter()  # kind -> number of problems
        self.positions_to_show = []  # (partition, offset) worth naming in the report
        self.checked = 0
        self.unacknowledged_present = 0
        self.unacknowledged_missing = 0
        self.acknowledged_after_a_kill = 0  # produced in one broker run, acked in a later one

    def _problem(self, kind, text):
        self.counts[kind] += 1
        if len(self.examples[kind]) < EXAMPLES_PER_KIND:
            self.examples[kind].append(text)

    def _history(self, ledger, sequence):
        """When a record was produced and reported, in broker runs."""
        produced = self._describe_run(ledger.produced_run[sequence])
        reported_run = ledger.reported_run[sequence]
        if ledger.status[sequence] == ACKNOWLEDGED:
            outcome = (f"acknowledged at partition {ledger.partition[sequence]} offset "
                       f"{ledger.offset[sequence]}, reported during "
                       f"{self._describe_run(reported_run)}")
        elif reported_run:
            outcome = (f"not acknowledged ({ledger.errors.get(sequence)}), reported during "
                       f"{self._describe_run(reported_run)}")
        else:
            outcome = "never reported"
        return f"produced during {produced}; {outcome}"

    def visit(self, partition, offset, key, value):
        self.checked += 1
        expected_offset = self._next_offset[partition]
        if offset != expected_offset:
            self._problem("gap", f"partition {partition}: offset {offset} follows "
                                 f"{expected_offset - 1}")
        self._next_offset[partition] = offset + 1
        where = f"partition {partition} offset {offset}"
        name = parse_value(value)
        if name is None or name[0] not in self._ledgers or \
                name[1] >= self._ledgers[name[0]].produced:
            self._problem("foreign", f"{where}: key {key!r} value {value[:60]!r}")
            return
        label, sequence = name
        ledger = self._ledgers[label]
        if key != record_key(label, sequence) or value != record_value(label, sequence):
            self._problem("corrupted", f"{where}: {label}/{sequence} with key {key!r} and a "
                                       f"{len(value)}-byte value {value[:60]!r}")
        previous = self._last_in_partition.get((partition, label))
        if previous is not None and previous[0] >= sequence:
            self._problem("reordered", f"{where}: {label}/{sequence} after {label}/"
                                       f"{previous[0]} at offset {previous[1]}")
        self._last_in_partition[(partition, label)] = (sequence, offset)
        found_partition = self._found_partition[label]
        if found_partition[sequence] != -1:
            first = (found_partition[sequence], self._found_offset[label][sequence])
            self._problem("duplicated",
                          f"{label}/{sequence} at partition {first[0]} offset {first[1]} "
                          f"and again at {where}; {self._history(ledger, sequence)}")
            return
        found_partition[sequence] = partition
        self._found_offset[label][sequence] = offset

    def finish(self):
        for label, ledger in self._ledgers.items():
            found_partition, found_offset = self._found_partition[label], self._found_offset[label]
            for sequence in range(ledger.produced):
                present = found_partition[sequence] != -1
                if ledger.status[sequence] != ACKNOWLEDGED:
                    if present:
                        self.unacknowledged_present += 1
                    else:
                        self.unacknowledged_missing += 1
                    continue
                if ledger.reported_run[sequence] > ledger.produced_run[sequence]:
                    self.acknowledged_after_a_kill += 1
                acknowledged = (ledger.partition[sequence], ledger.offset[sequence])
                if not present:
                    self.positions_to_show.append(acknowledged)
                    self._problem("lost", f"{label}/{sequence} is not in the log; "
                                          f"{self._history(ledger, sequence)}")
                elif (found_partition[sequence], found_offset[sequence]) != acknowledged:
                    self.positions_to_show.append(acknowledged)
                    self._problem("misplaced",
                                  f"{label}/{sequence} is at partition {found_partition[sequence]} "
                                  f"offset {found_offset[sequence]}; "
                                  f"{self._history(ledger, sequence)}")

    def report(self, records_at_positions):
        """The problems found, as text, with what the log holds where acknowledged records
        should be."""
        lines = [f"{kind}: {count}" for kind, count in sorted(self.counts.items())]
        for kind, examples in sorted(self.examples.items()):
            lines.append(f"-- {kind} (first {len(examples)} of {self.counts[kind]}):")
            lines.extend(f"   {example}" for example in examples)
        if records_at_positions:
            lines.append("-- what the log holds where acknowledged records should be:")
            lines.extend(f"   partition {partition} offset {offset}: {description}"
                         for (partition, offset), description in
                         sorted(records_at_positions.items()))
        return "\n".join(lines)
