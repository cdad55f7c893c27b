"""Fixtures of the integration tests: the real broker, raw connections, the protocol probe.

  broker                 a broker with default settings, started for the test
  start_broker(settings=None, smp=None)
                         starts a broker of the test's own, e.g.
                         start_broker({"max.connections": 5}); bools become true/false
  shared_broker          one default broker for all tests of a module that use it, for
                         tests that leave nothing behind (hostile input); restarted after a
                         test that crashed it, and that test fails
  connect(broker)        a kafka_wire.Connection to a broker, closed after the test
  probe                  tools/protocol_probe, decoding with Samsa's own codecs
  samsa_path             the broker binary (for tests that run it themselves)

After the test every broker is stopped with SIGTERM, and the test fails if one exited by
itself, exited with a status other than 0 or logged a sanitizer report. Binaries come
from $SAMSA_BUILD_DIR (default: <repo>/build); a missing binary fails the tests, it never
skips them.

Run with Debian's interpreter (it has pytest, kafka-python and confluent-kafka):
    SAMSA_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest tests/integration
"""

import os

import pytest

import kafka_probe
import kafka_wire
from broker_process import Broker, BrokerError, build_dir, missing_binary_message, samsa_binary


def require_executable(path, target):
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(missing_binary_message(path, target), pytrace=False)


def fail_on_broker_errors(brokers, check):
    failures = []
    for broker in brokers:
        try:
            check(broker)
        except BrokerError as error:
            failures.append(str(error))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture(scope="session")
def probe():
    path = build_dir() / "tools/protocol_probe/protocol_probe"
    require_executable(path, "protocol_probe")
    running = kafka_probe.ProtocolProbe(path)
    yield running
    running.close()


@pytest.fixture(scope="session")
def samsa_path():
    path = samsa_binary()
    require_executable(path, "samsa")
    return path


@pytest.fixture
def start_broker(samsa_path, tmp_path):
    started = []

    def start(settings=None, smp=None):
        broker = Broker(tmp_path / f"broker-{len(started) + 1}", settings, smp)
        started.append(broker)
        return broker.start()

    yield start
    fail_on_broker_errors(started, Broker.close)


@pytest.fixture
def broker(start_broker):
    return start_broker()


@pytest.fixture(scope="module")
def _module_broker(samsa_path, tmp_path_factory):
    broker = Broker(tmp_path_factory.mktemp("shared-broker"))
    yield broker
    fail_on_broker_errors([broker], Broker.close)


@pytest.fixture
def shared_broker(_module_broker):
    if not _module_broker.is_running():
        _module_broker.start()
    yield _module_broker
    fail_on_broker_errors([_module_broker], Broker.check_running)


@pytest.fixture
def connect():
    opened = []

    def open_connection(broker, timeout_seconds=kafka_wire.DEFAULT_TIMEOUT_SECONDS):
        connection = kafka_wire.Connection(broker.host, broker.port, timeout_seconds)
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()
