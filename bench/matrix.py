"""The standard benchmark matrix: which workloads run, for how long, and the targets the
figures are judged against.

A produce or e2e workload writes to a topic of its own, created with its partition count
just before it runs; a consume workload reads what an earlier produce workload wrote (its
`source`), so it reads from the page cache. A mock workload runs samsa-load against
librdkafka's in-process mock cluster, with no broker: the client's own ceiling.
"""

import dataclasses

KIB = 1024
MIB = 1024 * KIB


@dataclasses.dataclass(frozen=True)
class Durations:
    """Seconds per kind of run, chosen so that the full matrix stays under 10 minutes on
    a 2-core machine (the broker and the client share the cores)."""

    throughput_seconds: float
    variant_seconds: float
    e2e_seconds: float
    mock_seconds: float
    limit_seconds: int
    start_samples: int
    mock_consume_records: int
    consume_record_cap: int
    many_partitions: int  # creating 1,000 partitions takes seconds of fsyncs


FULL = Durations(throughput_seconds=15, variant_seconds=10, e2e_seconds=20, mock_seconds=8,
                 limit_seconds=3, start_samples=5, mock_consume_records=1_000_000,
                 consume_record_cap=20_000_000, many_partitions=1000)
QUICK = Durations(throughput_seconds=2, variant_seconds=1.5, e2e_seconds=3, mock_seconds=1.5,
                  limit_seconds=1, start_samples=2, mock_consume_records=100_000,
                  consume_record_cap=2_000_000, many_partitions=100)


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    title: str
    section: str  # the report table it belongs to
    mode: str  # produce, consume or e2e (samsa-load's subcommand)
    record_bytes: int = KIB
    partitions: int = 6
    producers: int = 1
    compression: str = "none"
    acks: str = "all"
    linger_ms: int = 5
    batch_bytes: int = MIB
    rate: int | None = None
    seconds: float | None = None
    source: str | None = None  # consume: the produce workload whose records it reads
    records: int | None = None  # mock consume: how many records
    mock: bool = False
    ceiling_of: str | None = None  # mock: the broker workload it is the ceiling of

    @property
    def topic(self):
        return f"bench-{self.source or self.name}"

    def arguments(self, brokers, records=None):
        """samsa-load's command line after the binary (--brokers and --mock exclude each
        other; a mock consume run writes its records first, of --record-bytes)."""
        where = ["--mock"] if self.mock else ["--brokers", brokers]
        arguments = [self.mode, *where, "--topic", self.topic]
        if self.mode == "consume":
            arguments += ["--records", str(records or self.records)]
            if self.mock:
                arguments += ["--record-bytes", str(self.record_bytes)]
        else:
            arguments += ["--record-bytes", str(self.record_bytes),
                          "--seconds", f"{self.seconds:g}", "--acks", self.acks,
                          "--linger-ms", str(self.linger_ms)]
            if self.rate is not None:
                arguments += ["--rate", str(self.rate)]
        if self.mode == "produce":
            arguments += ["--compression", self.compression,
                          "--batch-bytes", str(self.batch_bytes),
                          "--producers", str(self.producers)]
        return arguments

    def timeout_seconds(self):
        return (self.seconds or 0) + 120


def standard(durations):
    """The broker workloads in the order they run, then the mock ones."""
    throughput, variant = durations.throughput_seconds, durations.variant_seconds
    e2e, many = durations.e2e_seconds, durations.many_partitions
    broker = [
        # Each consume run right after the produce run it reads, while the page cache
        # holds what it wrote.
        Workload("produce-1k", "1 KiB records, 1 producer", "produce", "produce",
                 seconds=throughput),
        Workload("consume-1k", "1 KiB records, written by produce-1k", "consume", "consume",
                 source="produce-1k"),
        Workload("produce-100b", "100 B records, 1 producer", "produce", "produce",
                 record_bytes=100, seconds=throughput),
        Workload("consume-100b", "100 B records, written by produce-100b", "consume",
                 "consume", record_bytes=100, source="produce-100b"),
        Workload("produce-1k-4p", "1 KiB records, 4 producers", "produce", "produce",
                 producers=4, seconds=throughput),
        Workload("produce-16k", "16 KiB records, 1 producer", "produce", "produce",
                 record_bytes=16 * KIB, seconds=variant),
        Workload("e2e-20k", "20,000 records/s of 1 KiB", "e2e", "e2e", rate=20_000,
                 linger_ms=1, seconds=e2e),
        Workload("e2e-50k", "50,000 records/s of 1 KiB", "e2e", "e2e", rate=50_000,
                 linger_ms=1, seconds=e2e),
        *[Workload(f"produce-1k-{codec}", f"1 KiB records, {codec}", "compression", "produce",
                   compression=codec, seconds=variant) for codec in ("gzip", "lz4", "zstd")],
        Workload(f"produce-1k-{many}p", f"1 KiB records, {many:,} partitions", "partitions",
                 "produce", partitions=many, seconds=variant),
    ]
    mock_seconds = durations.mock_seconds
    mock = [
        Workload("mock-produce-1k", "1 KiB records, 1 producer", "mock", "produce",
                 seconds=mock_seconds, mock=True, ceiling_of="produce-1k"),
        Workload("mock-produce-100b", "100 B records, 1 producer", "mock", "produce",
                 record_bytes=100, seconds=mock_seconds, mock=True, ceiling_of="produce-100b"),
        Workload("mock-consume-1k", "1 KiB records", "mock", "consume",
                 records=durations.mock_consume_records, mock=True, ceiling_of="consume-1k"),
    ]
    return broker, mock


def last_uses(workloads):
    """topic -> index of the last workload that uses it (the topic is deleted after it,
    to bound disk use)."""
    last = {}
    for index, workload in enumerate(workloads):
        last[workload.topic] = index
    return last


# -- targets ----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Target:
    """A figure of the issue's target table: what it is, the goal as text, whether a value
    meets it, and `measure(figures)`, which returns (value, the workload it comes from)
    or None when that workload did not run."""

    what: str
    goal: str
    unit: str
    met: object
    measure: object


def _of(name, key):
    def measure(figures):
        if figures.get(name, {}).get(key) is None:
            return None
        return figures[name][key], name
    return measure


def _of_faster_produce(key):
    """From whichever 1 KiB produce run (1 or 4 producers) moved more MB/s."""
    def measure(figures):
        runs = [name for name in ("produce-1k", "produce-1k-4p")
                if figures.get(name, {}).get("mb_per_s") is not None]
        if not runs:
            return None
        return _of(max(runs, key=lambda name: figures[name]["mb_per_s"]), key)(figures)
    return measure


TARGETS = [
    Target("produce 1 KiB records (the faster of 1 and 4 producers)", ">= 450 MB/s", "MB/s",
           lambda value: value >= 450, _of_faster_produce("mb_per_s")),
    Target("broker CPU per GB produced (same run)", "<= 1.2 s/GB", "s/GB",
           lambda value: value <= 1.2, _of_faster_produce("cpu_s_per_gb")),
    Target("produce 100 B records", ">= 1.0 M records/s", "records/s",
           lambda value: value >= 1_000_000, _of("produce-100b", "records_per_s")),
    Target("consume 1 KiB records from the page cache", ">= 900 MB/s", "MB/s",
           lambda value: value >= 900, _of("consume-1k", "mb_per_s")),
    Target("broker CPU per GB consumed", "<= 0.25 s/GB", "s/GB",
           lambda value: value <= 0.25, _of("consume-1k", "cpu_s_per_gb")),
    Target("end-to-end latency p99.9, 20k x 1 KiB records/s, linger.ms=1", "<= 5 ms", "ms",
           lambda value: value <= 5, _of("e2e-20k", "latency_p999_ms")),
    Target("broker resident memory (VmRSS) after the matrix", "<= 150 MB", "MB",
           lambda value: value <= 150, _of("broker", "rss_mb")),
    Target("start to ready, empty data directory (median, spawn to `ready` logged)",
           "< 100 ms", "ms", lambda value: value < 100, _of("broker", "start_to_ready_ms")),
]
