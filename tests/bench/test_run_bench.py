"""The parts of `make bench` (bench/run_bench.py) that need no broker: reading samsa-load's
JSON, samsa-load's command lines, and keeping the hand-written parts of docs/benchmarks.md
when the generated part is replaced.

    /usr/bin/python3 -m pytest tests/bench
"""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

import load_generator  # noqa: E402
import matrix  # noqa: E402
import report  # noqa: E402

PRODUCE_OUTPUT = {
    "mode": "produce", "records": 1000, "bytes": 1024000, "seconds": 2.0,
    "records_per_s": 500.0, "mb_per_s": 0.512, "errors": 0,
    "latency_ms": {"p50": 1.5, "p90": 2.0, "p99": 3.0, "p999": 4.5, "max": 9.0,
                   "mean": 1.6, "count": 1000},
    "config": {"acks": "all"},
}


def test_result_fields_are_read_from_the_json_object():
    result = load_generator.parse_result("warming up\n" + json.dumps(PRODUCE_OUTPUT) + "\n")
    assert result.records == 1000
    assert result.latency_p999_ms == 4.5
    assert result.mb_per_s == pytest.approx(0.512)
    assert result.config == {"acks": "all"}


def test_consume_result_without_latency_has_none():
    output = dict(PRODUCE_OUTPUT, mode="consume", latency_ms=None)
    result = load_generator.parse_result(json.dumps(output))
    assert result.latency_p50_ms is None and result.latency_max_ms is None


def test_output_without_required_fields_is_refused():
    with pytest.raises(load_generator.ResultFormatError):
        load_generator.parse_result(json.dumps({"mode": "produce"}))


def test_mock_runs_name_no_brokers():
    broker_workloads, mock_workloads = matrix.standard(matrix.QUICK)
    for workload in mock_workloads:
        arguments = workload.arguments(None, workload.records)
        assert "--mock" in arguments and "--brokers" not in arguments
    for workload in broker_workloads:
        arguments = workload.arguments("127.0.0.1:9092", 10)
        assert "--mock" not in arguments
        assert arguments[arguments.index("--brokers") + 1] == "127.0.0.1:9092"


def test_consume_runs_read_a_topic_an_earlier_produce_run_wrote():
    broker_workloads, _ = matrix.standard(matrix.FULL)
    names = [workload.name for workload in broker_workloads]
    for index, workload in enumerate(broker_workloads):
        if workload.mode == "consume":
            assert workload.source in names[:index]
            assert workload.topic == f"bench-{workload.source}"


HAND_WRITTEN = """# Benchmarks

Introduction.

## Storage micro-benchmarks

Numbers that must survive.
"""


def test_first_run_inserts_the_generated_part_and_a_where_the_time_goes_section():
    merged = report.merge(HAND_WRITTEN, report.BEGIN_MARKER + "\nfirst\n" + report.END_MARKER
                          + "\n")
    assert merged.index("Introduction.") < merged.index("first")
    assert merged.index("first") < merged.index(report.WHERE_THE_TIME_GOES_HEADING)
    assert merged.index(report.WHERE_THE_TIME_GOES_HEADING) < merged.index(
        "## Storage micro-benchmarks")
    assert merged.endswith("Numbers that must survive.\n")


def test_rerun_replaces_only_the_generated_part():
    first = report.merge(HAND_WRITTEN, report.BEGIN_MARKER + "\nfirst\n" + report.END_MARKER
                         + "\n")
    edited = first.replace("Not written yet.", "The CRC takes 30%.")
    second = report.merge(edited, report.BEGIN_MARKER + "\nsecond\n" + report.END_MARKER
                          + "\n")
    assert "first" not in second and "second" in second
    assert "The CRC takes 30%." in second
    assert second.count(report.WHERE_THE_TIME_GOES_HEADING) == 1
    assert second == edited.replace("\nfirst\n", "\nsecond\n")


def test_targets_judge_the_faster_produce_run():
    figures = {"produce-1k": {"mb_per_s": 300.0, "cpu_s_per_gb": 2.0},
               "produce-1k-4p": {"mb_per_s": 500.0, "cpu_s_per_gb": 1.0}}
    produce_target, cpu_target = matrix.TARGETS[0], matrix.TARGETS[1]
    assert produce_target.measure(figures) == (500.0, "produce-1k-4p")
    assert produce_target.met(500.0)
    assert cpu_target.measure(figures) == (1.0, "produce-1k-4p")
