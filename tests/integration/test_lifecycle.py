"""The broker process: start-up log, graceful shutdown on signals, identity kept across
restarts, refusal of bad configuration."""

import re
import signal
import subprocess

import pytest

import kafka_wire
from broker_process import READY_LINE, Broker
from kafka_probe import advertised_versions, api_versions, metadata

CONFIG_ERROR_STATUS = 2
CONFIG_ERROR_TIMEOUT_SECONDS = 30
# [time] [level] [thread]: the thread is a shard ("shard 0") or the main thread ("main").
LOG_LINE_PREFIX = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[info\] \[(main|shard \d+)\] "


def test_logs_listening_then_ready_in_the_log_format(broker):
    lines = broker.log_text.splitlines()
    listening = [index for index, line in enumerate(lines)
                 if f"listening on PLAINTEXT://127.0.0.1:{broker.port}" in line]
    ready = [index for index, line in enumerate(lines) if READY_LINE.search(line)]
    assert len(listening) == 1 and len(ready) == 1, broker.log_text
    assert listening[0] < ready[0]
    for index in (listening[0], ready[0]):
        assert re.match(LOG_LINE_PREFIX, lines[index]), lines[index]


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM",
                                                                               "SIGINT"])
def test_signal_shuts_down_gracefully_with_status_0(broker, signal_number):
    broker.stop(signal_number)  # asserts status 0 and a clean sanitizer log
    assert "shutdown complete" in broker.log_text


def test_shutdown_completes_with_clients_connected(broker, connect, probe):
    idle = connect(broker)
    assert api_versions(idle, probe)["error_code"] == 0
    never_used = connect(broker)
    mid_request = connect(broker)
    mid_request.send(kafka_wire.request_frame(kafka_wire.API_VERSIONS, 0, b"", 1)[:7])
    broker.stop()
    assert "shutdown complete" in broker.log_text
    for connection in (idle, never_used, mid_request):
        connection.assert_closed_by_broker()


def test_first_start_writes_meta_properties_with_node_id_1(broker):
    properties = broker.meta_properties()
    assert properties["node.id"] == "1"
    # Kafka's Uuid.toString: sixteen bytes in URL-safe base64 without padding.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", properties["cluster.id"]), properties


def identity(broker):
    properties = broker.meta_properties()
    return {key: properties.get(key) for key in ("cluster.id", "node.id")}


def test_restart_keeps_cluster_id_and_node_id(broker, connect, probe):
    before = identity(broker)
    broker.restart()
    assert identity(broker) == before
    connection = connect(broker)
    version = advertised_versions(connection, probe)[kafka_wire.METADATA][1]
    answer = metadata(connection, probe, version, topics=None)
    assert answer["cluster_id"] == before["cluster.id"]
    assert [entry["node_id"] for entry in answer["brokers"]] == [1]


def test_restart_after_sigkill_keeps_cluster_id_and_node_id(broker, connect, probe):
    before = identity(broker)
    broker.kill()
    broker.start()
    assert identity(broker) == before
    assert metadata(connect(broker), probe, 2, topics=None)["cluster_id"] == before["cluster.id"]


def test_separate_data_dirs_get_distinct_cluster_ids(start_broker):
    first = start_broker().meta_properties()["cluster.id"]
    second = start_broker().meta_properties()["cluster.id"]
    assert first != second


def run_to_exit(tmp_path, settings):
    """Runs a `samsa serve` that is expected to refuse to start."""
    command = Broker(tmp_path, settings).command_line()
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=CONFIG_ERROR_TIMEOUT_SECONDS, cwd=tmp_path)


@pytest.mark.parametrize("key, value", [
    ("no.such.setting", "1"),
    ("connections.max.idle.ms", "soon"),
    ("socket.request.max.bytes", "12MB"),
    ("auto.create.topics.enable", "maybe"),
    ("max.connections", "-"),
])
def test_bad_setting_exits_with_status_2_naming_the_key(samsa_path, tmp_path, key, value):
    result = run_to_exit(tmp_path, {key: value})
    assert result.returncode == CONFIG_ERROR_STATUS, result.stderr
    assert key in result.stderr


def test_a_second_broker_on_the_same_data_dir_refuses_to_start(broker, tmp_path):
    # Kafka's .lock file: one process per log directory.
    result = run_to_exit(tmp_path, {"log.dirs": str(broker.data_dir)})
    assert result.returncode != 0
    assert ".lock" in result.stderr
    assert "another process" in result.stderr
    broker.check_running()
