"""kill -9 durability of the partition log.

tools/storage_writer appends batches the way a leader serving acks=all does: it prints
`ack <base offset> <last offset> <checksum>` for a batch only after wait_durable() said
the batch is on disk. This test SIGKILLs it at random moments, CYCLES times on one log
directory, and checks what survives with `storage_writer dump`, which opens the log with
full crash recovery, reads every batch back through partition_log::read, verifies each
batch's CRC and each record's contents (tools/storage_writer/workload.h), and lists the
batches with the checksum of their record values:

  * every batch ever acknowledged is there, at its offsets, with the same checksum;
  * the batches are contiguous from offset 0 to the log end offset: no gap, no duplicate;
  * a batch never acknowledged is allowed only after the last acknowledgement of the run
    that wrote it (it was written, and the kill came before its ack);
  * a batch an earlier dump saw is still there, unchanged (kill -9 loses no page cache,
    so recovery must not drop what it accepted before);
  * the next writer recovers exactly to the log end offset the dump found.

Kills land at random: after a random number of acks plus a random sub-millisecond to
millisecond delay, after a random time, or during start-up recovery itself. In some
cycles the next writer starts on the crashed directory with no dump in between, so a
writer recovering a torn tail and appending after it is exercised too.

Run with Debian's interpreter:
    SAMSA_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest tests/storage
SAMSA_KILL9_SEED=<n> replays a run (the seed is printed); SAMSA_KILL9_CYCLES=<n> sets the
number of kills (default 60).
"""

import os
import pathlib
import random
import signal
import subprocess
import threading
import time

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
WRITER_RELATIVE_PATH = pathlib.Path("tools/storage_writer/storage_writer")
CYCLES = int(os.environ.get("SAMSA_KILL9_CYCLES", "60"))
# Small segments and indexes, so that segments roll (by size, and by a full index for
# small batches) many times during the test.
LOG_OPTIONS = ["--segment-bytes", "262144", "--index-interval-bytes", "512",
               "--segment-index-bytes", "2048"]
# No wait in this test should come near these; they only keep a hang from hanging CI.
OUTPUT_TIMEOUT_SECONDS = 20
DUMP_TIMEOUT_SECONDS = 60
MAX_BATCH_BYTES = 64 * 1024


def writer_path():
    build_dir = pathlib.Path(os.environ.get("SAMSA_BUILD_DIR", REPO_ROOT / "build"))
    path = build_dir / WRITER_RELATIVE_PATH
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"{path} not found. Build it with\n"
                    f"  flock /tmp/samsa-build.lock cmake --build {build_dir} "
                    f"--target storage_writer\n"
                    f"or point SAMSA_BUILD_DIR at a build directory that has it.",
                    pytrace=False)
    return path


class Batch:
    __slots__ = ("base", "last", "checksum")

    def __init__(self, base, last, checksum):
        self.base, self.last, self.checksum = base, last, checksum

    def records(self):
        return self.last - self.base + 1

    def __eq__(self, other):
        return (self.base, self.last, self.checksum) == (other.base, other.last, other.checksum)

    def __repr__(self):
        return f"[{self.base}..{self.last} {self.checksum}]"


class WriterRun:
    """One `storage_writer append` process, read line by line on a thread."""

    def __init__(self, path, log_dir, rng):
        self.batch_records = rng.choice([1, 1, 3, 10, 40, 100])
        record_bytes = rng.choice([16, 40, 200, 1000, 4000])
        self.record_bytes = max(16, min(record_bytes, MAX_BATCH_BYTES // self.batch_records))
        self.process = subprocess.Popen(
            [str(path), "append", str(log_dir), *LOG_OPTIONS,
             "--batch-records", str(self.batch_records),
             "--record-bytes", str(self.record_bytes),
             "--seed", str(rng.getrandbits(63))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.recovered = None  # the log end offset after its recovery
        self.acks = []
        self.unexpected = []  # lines that are neither `recovered` nor `ack`
        self._changed = threading.Condition()
        self._stderr = b""
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self):
        # Only whole lines count: the writer prints each one with a single write, so a
        # line cut by the kill cannot happen, but a partial one would never be an ack.
        for raw in self.process.stdout:
            if not raw.endswith(b"\n"):
                break
            words = raw.decode().split()
            with self._changed:
                if not words:
                    self.unexpected.append(raw)
                elif words[0] == "recovered":
                    self.recovered = int(words[1])
                elif words[0] == "ack":
                    self.acks.append(Batch(int(words[1]), int(words[2]), words[3]))
                else:
                    self.unexpected.append(raw)
                self._changed.notify_all()

    def _read_stderr(self):
        self._stderr = self.process.stderr.read()

    def wait_for(self, predicate):
        deadline = time.monotonic() + OUTPUT_TIMEOUT_SECONDS
        with self._changed:
            while not predicate():
                self.check_alive()
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail("storage_writer produced no output for "
                                f"{OUTPUT_TIMEOUT_SECONDS} s", pytrace=False)
                self._changed.wait(min(left, 0.05))

    def check_alive(self):
        if self.process.poll() is not None:
            for thread in self._threads:
                thread.join(OUTPUT_TIMEOUT_SECONDS)
            pytest.fail(f"storage_writer exited by itself with status "
                        f"{self.process.returncode}:\n{self._stderr.decode(errors='replace')}",
                        pytrace=False)

    def kill(self):
        self.check_alive()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(OUTPUT_TIMEOUT_SECONDS)
        for thread in self._threads:
            thread.join(OUTPUT_TIMEOUT_SECONDS)
        assert self.process.returncode == -signal.SIGKILL, self._stderr.decode(errors="replace")

    def check_acks(self):
        """The run's acks are consecutive batches from the offset it recovered to."""
        assert not self.unexpected, f"unexpected writer output {self.unexpected}"
        expected = self.recovered
        for ack in self.acks:
            assert ack.base == expected and ack.last >= ack.base, \
                f"writer acknowledged {ack} after recovering to {self.recovered}, " \
                f"expected a batch at {expected}"
            assert ack.records() == self.batch_records, ack
            expected = ack.last + 1

    def ack_end(self):
        return self.acks[-1].last + 1 if self.acks else self.recovered


def kill_at_random_moment(run, rng):
    """Kills the writer at a moment of one of three kinds; returns the kind."""
    kind = rng.choices(["start-up", "acks", "time"], weights=[1, 5, 4])[0]
    if kind == "start-up":
        time.sleep(rng.uniform(0, 0.015))
    elif kind == "acks":
        wanted = rng.randint(1, 40)
        run.wait_for(lambda: len(run.acks) >= wanted)
        time.sleep(rng.choice([0, rng.uniform(0, 0.001), rng.uniform(0, 0.005)]))
    else:
        run.wait_for(lambda: run.recovered is not None)
        time.sleep(rng.uniform(0.02, 0.15))
    run.kill()
    return kind


def log_file_bytes(log_dir):
    return sum(path.stat().st_size for path in log_dir.glob("*.log"))


def dump(path, log_dir):
    completed = subprocess.run([str(path), "dump", str(log_dir), *LOG_OPTIONS],
                               capture_output=True, text=True, timeout=DUMP_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        pytest.fail(f"storage_writer dump failed with status {completed.returncode}:\n"
                    f"{completed.stderr}", pytrace=False)
    lines = completed.stdout.splitlines()
    words = lines[0].split()
    assert words[0] == "log", lines[0]
    log_start, log_end = int(words[1]), int(words[2])
    batches = []
    for line in lines[1:]:
        words = line.split()
        assert words[0] == "batch", line
        batches.append(Batch(int(words[1]), int(words[2]), words[3]))
    return log_start, log_end, batches


class Checker:
    """What the log must hold, from every ack and every dump so far."""

    def __init__(self):
        self.acked = {}  # base offset -> Batch, every ack ever
        self.seen = {}  # base offset -> Batch, the last dump
        self.last_dump_end = 0
        self.runs_since_dump = []  # WriterRun, in order, that got as far as recovering
        self.records_checked = 0
        self.unacknowledged_seen = 0  # batches written, then killed before their ack

    def add_run(self, run):
        if run.recovered is None:
            assert not run.acks
            return
        previous = self.runs_since_dump[-1] if self.runs_since_dump else None
        if previous is None:
            assert run.recovered == self.last_dump_end, \
                f"writer recovered to {run.recovered}, the last dump ended at " \
                f"{self.last_dump_end}"
        else:
            # With no dump in between, this writer recovered its predecessor's crash:
            # everything acknowledged, and everything its predecessor had recovered, stays.
            assert run.recovered >= previous.ack_end(), \
                f"writer recovered to {run.recovered}, below the acknowledged " \
                f"{previous.ack_end()}"
        run.check_acks()
        for ack in run.acks:
            self.acked[ack.base] = ack
        self.runs_since_dump.append(run)

    def check_dump(self, log_start, log_end, batches):
        assert log_start == 0, f"log start offset {log_start}: nothing deletes records here"
        present = {}
        expected = log_start
        for batch in batches:
            assert batch.base == expected, \
                f"batch {batch} where offset {expected} was expected (gap or overlap)"
            assert batch.last >= batch.base, batch
            present[batch.base] = batch
            expected = batch.last + 1
        assert expected == log_end, f"batches end at {expected}, log end offset {log_end}"

        for base, ack in self.acked.items():
            assert present.get(base) == ack, \
                f"acknowledged batch {ack} lost or changed: found {present.get(base)}"
            self.records_checked += ack.records()
        for base, before in self.seen.items():
            assert present.get(base) == before, \
                f"batch {before} seen by an earlier dump lost or changed: " \
                f"found {present.get(base)}"
        for batch in batches:
            if batch.base in self.acked or batch.base in self.seen:
                continue
            self._check_unacknowledged(batch)

        self.seen = present
        self.last_dump_end = log_end
        self.runs_since_dump = []

    def _check_unacknowledged(self, batch):
        """A batch nobody acknowledged is the tail of the run that wrote it."""
        runs = self.runs_since_dump
        for k, run in enumerate(runs):
            next_start = runs[k + 1].recovered if k + 1 < len(runs) else None
            if batch.base >= run.recovered and (next_start is None or batch.base < next_start):
                assert batch.base >= run.ack_end(), \
                    f"unacknowledged batch {batch} before the last ack " \
                    f"(offset {run.ack_end() - 1}) of the run that wrote it"
                self.unacknowledged_seen += 1
                return
        raise AssertionError(f"batch {batch} was neither acknowledged nor written by a "
                             f"writer since the last dump")


def test_acknowledged_batches_survive_kill_9(tmp_path, capsys):
    path = writer_path()
    seed = int(os.environ.get("SAMSA_KILL9_SEED", str(random.randrange(1 << 32))))
    rng = random.Random(seed)
    log_dir = tmp_path / "log"
    checker = Checker()
    kinds = {"start-up": 0, "acks": 0, "time": 0}
    dumps = 0
    torn_tails = 0  # dumps whose recovery cut bytes off the .log files
    started = time.monotonic()
    for cycle in range(CYCLES):
        run = WriterRun(path, log_dir, rng)
        kinds[kill_at_random_moment(run, rng)] += 1
        try:
            checker.add_run(run)
            # A quarter of the kills are followed straight by the next writer.
            if cycle == CYCLES - 1 or rng.random() >= 0.25:
                bytes_before = log_file_bytes(log_dir) if log_dir.exists() else 0
                checker.check_dump(*dump(path, log_dir))
                dumps += 1
                torn_tails += log_file_bytes(log_dir) < bytes_before
        except AssertionError as error:
            raise AssertionError(f"cycle {cycle} (SAMSA_KILL9_SEED={seed}): {error}") from None

    final_start, final_end, final_batches = dump(path, log_dir)
    segments = len(list(log_dir.glob("*.log")))
    summary = (f"kill -9 durability: {CYCLES} kills ({kinds['acks']} after acks, "
               f"{kinds['time']} after a time, {kinds['start-up']} during start-up), "
               f"{dumps} dumps ({torn_tails} cut a torn tail); {len(checker.acked)} acknowledged batches, "
               f"{sum(b.records() for b in checker.acked.values())} acknowledged records; "
               f"{checker.records_checked} acknowledged records verified over all dumps; "
               f"{checker.unacknowledged_seen} batches written but killed before their ack; "
               f"final log {final_end - final_start} records in {len(final_batches)} "
               f"batches, {segments} segments; {time.monotonic() - started:.1f} s; "
               f"SAMSA_KILL9_SEED={seed}")
    with capsys.disabled():
        print(f"\n{summary}")
    assert CYCLES >= 50 or "SAMSA_KILL9_CYCLES" in os.environ
    assert checker.acked, "no batch was ever acknowledged: the test checked nothing"
