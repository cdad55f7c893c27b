#!/usr/bin/python3
"""`make bench`: runs the standard matrix against a real broker and writes the figures into
docs/benchmarks.md (between its generated-part markers; the rest of the file is kept).

    /usr/bin/python3 bench/run_bench.py [--quick] [--out FILE]

Steps: describe the machine; measure its limits (iperf3, fio); start `samsa serve` on a
fresh data directory a few times to measure start-to-ready, keeping the last one; run each
workload of matrix.py with build/bench/samsa-load, reading the broker's CPU time around
it; read its resident memory; stop it with SIGTERM; run the mock (client ceiling)
workloads; write the report and a JSON file of every figure. A failed run is reported as
failed and the matrix goes on; the exit status is 1 if anything failed.

Needs Debian's python3 (/usr/bin/python3) for confluent_kafka.
"""

import argparse
import dataclasses
import json
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

from confluent_kafka.admin import AdminClient, NewTopic

import broker as broker_process
import load_generator
import machine
import matrix
import report

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
ADMIN_TIMEOUT_SECONDS = 120


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a one-minute smoke run (runs of a second or two)")
    parser.add_argument("--samsa", type=pathlib.Path, default=REPO_ROOT / "build/samsa")
    parser.add_argument("--load", type=pathlib.Path,
                        default=REPO_ROOT / "build/bench/samsa-load")
    parser.add_argument("--doc", type=pathlib.Path, default=REPO_ROOT / "docs/benchmarks.md",
                        help="the file whose hand-written parts are kept")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="where the report goes (default: --doc itself)")
    parser.add_argument("--results", type=pathlib.Path, default=None,
                        help="JSON file of every figure (default: beside --samsa)")
    parser.add_argument("--data-root", type=pathlib.Path, default=None,
                        help="parent of the broker's data directory (default: $TMPDIR)")
    arguments = parser.parse_args()
    for name in ("samsa", "load", "doc", "out", "results", "data_root"):
        if getattr(arguments, name) is not None:
            setattr(arguments, name, getattr(arguments, name).resolve())
    return arguments


class Progress:
    def __init__(self):
        self.started = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.started

    def say(self, text):
        print(f"[{self.elapsed():5.0f} s] {text}", file=sys.stderr, flush=True)


# -- topics -----------------------------------------------------------------------------

def create_topic(admin, name, partitions):
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions,
                                            replication_factor=1)],
                                  operation_timeout=ADMIN_TIMEOUT_SECONDS)
    futures[name].result(timeout=ADMIN_TIMEOUT_SECONDS)
    deadline = time.monotonic() + ADMIN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:  # every partition has a leader
        topic = admin.list_topics(topic=name, timeout=10).topics.get(name)
        if (topic is not None and topic.error is None and len(topic.partitions) == partitions
                and all(partition.leader >= 0 for partition in topic.partitions.values())):
            return
        time.sleep(0.05)
    raise TimeoutError(f"topic {name}: partitions without a leader after creation")


def delete_topic(admin, name):
    futures = admin.delete_topics([name], operation_timeout=ADMIN_TIMEOUT_SECONDS)
    futures[name].result(timeout=ADMIN_TIMEOUT_SECONDS)


# -- runs -------------------------------------------------------------------------------

def figures_of(outcome, cpu_seconds=None):
    """The report's figures of one run: the LoadResult's fields, MB/s and broker CPU."""
    if not outcome.ok:
        return {"error": outcome.error}
    result = outcome.result
    figure = {key: value for key, value in dataclasses.asdict(result).items()
              if key != "config"}
    figure["mb_per_s"] = result.mb_per_s
    figure["wall_seconds"] = outcome.wall_seconds
    if cpu_seconds is not None:
        figure["cpu_seconds"] = cpu_seconds
        figure["cpu_s_per_gb"] = cpu_seconds / (result.bytes / 1e9) if result.bytes else None
    if result.errors:
        figure["error"] = f"{result.errors} errors reported by samsa-load"
    return figure


def summary(figure):
    if figure.get("error"):
        return f"FAILED: {figure['error']}"
    text = (f"{report.records_per_s_text(figure['records_per_s'])} records/s, "
            f"{figure['mb_per_s']:.0f} MB/s")
    if figure.get("latency_p999_ms") is not None:
        text += f", p99.9 {figure['latency_p999_ms']:.2f} ms"
    if figure.get("cpu_s_per_gb") is not None:
        text += f", broker CPU {figure['cpu_s_per_gb']:.2f} s/GB"
    return text


def consume_records(workload, figures, durations):
    source = figures.get(workload.source, {})
    if source.get("records") is None:
        return None
    return min(source["records"], durations.consume_record_cap)


def run_workload(workload, running, admin, load_path, figures, durations):
    """Runs one broker workload, sets figures[workload.name], returns its LoadOutcome."""
    records = None
    outcome = None
    if workload.mode == "consume":
        records = consume_records(workload, figures, durations)
        if records is None:
            outcome = load_generator.LoadOutcome([], 0, error=f"not run: {workload.source} failed")
    else:
        started = time.monotonic()
        try:
            create_topic(admin, workload.topic, workload.partitions)
        except Exception as error:  # the admin client raises KafkaException and others
            outcome = load_generator.LoadOutcome([], 0, error=f"topic creation failed: {error}")
        figures.setdefault("topics", {})[workload.topic] = {
            "partitions": workload.partitions, "create_seconds": time.monotonic() - started}
    if outcome is not None:
        figures[workload.name] = figures_of(outcome)
        return outcome
    command = [str(load_path), *workload.arguments(running.bootstrap, records)]
    cpu_before = running.cpu_seconds()
    outcome = load_generator.run(command, workload.timeout_seconds())
    cpu_seconds = running.cpu_seconds() - cpu_before if running.exit_status() is None else None
    figures[workload.name] = figures_of(outcome, cpu_seconds)
    return outcome


def start_samples(samsa_path, data_root, count):
    """Starts and stops count - 1 brokers on fresh data directories, then starts the one
    the matrix runs against; returns it and every start's timings."""
    samples = []
    for index in range(count):
        directory = data_root / f"broker-{index + 1}"
        directory.mkdir()
        running = broker_process.Broker(samsa_path, directory / "data",
                                        data_root / f"broker-{index + 1}.log").start()
        samples.append({"spawn_to_accept_ms": running.spawn_to_accept_ms,
                        "spawn_to_ready_ms": running.spawn_to_ready_ms,
                        "logged_ready_ms": running.logged_ready_ms})
        if index + 1 < count:
            running.stop()
            shutil.rmtree(directory)
    return running, samples


def run_broker_matrix(arguments, durations, workloads, data_root, progress):
    """Returns (figures, outcomes); figures["broker"] holds the broker's own figures."""
    figures, outcomes = {}, {}
    try:
        running, samples = start_samples(arguments.samsa, data_root, durations.start_samples)
    except broker_process.BrokerError as error:
        figures["broker"] = {"error": str(error).split("\n")[0], "log_tail": str(error)}
        return figures, outcomes
    broker_figures = {"start_samples": samples, "start_to_ready_ms": statistics.median(
        sample["spawn_to_ready_ms"] for sample in samples)}
    figures["broker"] = broker_figures
    progress.say(f"broker on {running.bootstrap}, ready in "
                 f"{broker_figures['start_to_ready_ms']:.0f} ms (median of {len(samples)})")
    try:
        run_matrix_on(running, workloads, arguments.load, durations, figures, outcomes,
                      progress)
        if running.exit_status() is None:
            memory = running.memory_kib()
            broker_figures["rss_mb"] = memory["VmRSS"] * 1024 / 1e6
            broker_figures["hwm_mb"] = memory["VmHWM"] * 1024 / 1e6
    finally:
        exited_by_itself = running.exit_status() is not None
        status = running.stop()
    if exited_by_itself:
        broker_figures["error"] = f"exited by itself with status {status}; the rest did not run"
    elif status != 0:
        broker_figures["error"] = f"exited with status {status} on SIGTERM"
    if "error" in broker_figures:
        broker_figures["log_tail"] = running.log_tail()
    return figures, outcomes


def run_matrix_on(running, workloads, load_path, durations, figures, outcomes, progress):
    """Runs the workloads in order until one ends with the broker gone."""
    admin = AdminClient({"bootstrap.servers": running.bootstrap})
    last_uses = matrix.last_uses(workloads)
    for index, workload in enumerate(workloads):
        progress.say(f"{workload.name}: {workload.title} ...")
        outcomes[workload.name] = run_workload(workload, running, admin, load_path, figures,
                                               durations)
        progress.say(f"{workload.name}: {summary(figures[workload.name])}")
        if running.exit_status() is not None:
            return
        if last_uses[workload.topic] == index:
            started = time.monotonic()
            try:
                delete_topic(admin, workload.topic)
            except Exception as error:  # a leftover topic only costs disk space
                progress.say(f"could not delete {workload.topic}: {error}")
                continue
            topic = figures.get("topics", {}).get(workload.topic)
            if topic is not None:
                topic["delete_seconds"] = time.monotonic() - started


def run_mock_workloads(arguments, workloads, figures, outcomes, progress):
    for workload in workloads:
        progress.say(f"{workload.name}: {workload.title}, mock cluster ...")
        command = [str(arguments.load), *workload.arguments(None, workload.records)]
        outcomes[workload.name] = load_generator.run(command, workload.timeout_seconds())
        figures[workload.name] = figures_of(outcomes[workload.name])
        progress.say(f"{workload.name}: {summary(figures[workload.name])}")


def shown_path(path):
    """path relative to the repository when it is inside it."""
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)


def results_path(arguments):
    return arguments.results or arguments.samsa.parent / (
        "bench-quick-results.json" if arguments.quick else "bench-results.json")


def write_report(arguments, context):
    out = arguments.out or arguments.doc
    existing = arguments.doc.read_text(encoding="utf-8") if arguments.doc.exists() else ""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.merge(existing, report.generated_part(context)), encoding="utf-8")
    raw = {"description": context["description"], "figures": context["figures"],
           "limits": [dataclasses.asdict(limit) for limit in context["limits"]],
           "commands": {name: outcome.command for name, outcome in context["outcomes"].items()}}
    results_path(arguments).write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    return out


def check_binaries(arguments):
    missing = [str(path) for path in (arguments.samsa, arguments.load) if not path.is_file()]
    if missing:
        sys.exit(f"run_bench: {', '.join(missing)} not found; build first (make build)")


def main():
    arguments = parse_arguments()
    check_binaries(arguments)
    durations = matrix.QUICK if arguments.quick else matrix.FULL
    broker_workloads, mock_workloads = matrix.standard(durations)
    progress = Progress()
    data_root = pathlib.Path(tempfile.mkdtemp(prefix="samsa-bench-", dir=arguments.data_root))
    try:
        description = machine.describe(data_root, REPO_ROOT)
        other_benchmarks = machine.other_benchmarks_running()
        if other_benchmarks:
            progress.say("warning: other samsa-load processes are running:\n  "
                         + "\n  ".join(other_benchmarks))
        progress.say("measuring the machine's limits (iperf3, fio)")
        limits = machine.limits(data_root, durations.limit_seconds)
        for limit in limits:
            progress.say(f"{limit.what}: {limit.result}")
        figures, outcomes = run_broker_matrix(arguments, durations, broker_workloads,
                                              data_root, progress)
        run_mock_workloads(arguments, mock_workloads, figures, outcomes, progress)
    finally:
        shutil.rmtree(data_root, ignore_errors=True)
    context = {"description": description, "other_benchmarks": other_benchmarks,
               "limits": limits, "figures": figures, "outcomes": outcomes,
               "broker_workloads": broker_workloads, "mock_workloads": mock_workloads,
               "durations": durations, "quick": arguments.quick,
               "elapsed_seconds": progress.elapsed(),
               "results_name": shown_path(results_path(arguments))}
    out = write_report(arguments, context)
    progress.say(f"wrote {out} and {results_path(arguments)}")
    failed = [name for name, figure in figures.items() if figure.get("error")]
    if failed:
        progress.say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
