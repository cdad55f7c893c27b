"""Fixtures of the kill -9 soak: the real broker on a fixed port of its own.

The soak reuses the integration tests' helpers (broker_process, client_helpers), so their
directory goes on sys.path here, whether pytest runs `tests` or only `tests/soak`.

  soak_broker   a SoakBroker (not started) on a fixed 127.0.0.1 port and its own data
                directory: every restart listens where the producers reconnect. After the
                test it is stopped with SIGTERM, and the test fails if it exited by itself,
                exited with a status other than 0 or logged a sanitizer report.
"""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))

from broker_process import BrokerError, missing_binary_message, samsa_binary  # noqa: E402
from client_helpers import unused_port  # noqa: E402
from soak_broker import SoakBroker  # noqa: E402


@pytest.fixture
def soak_broker(tmp_path):
    path = samsa_binary()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(missing_binary_message(path, "samsa"), pytrace=False)
    broker = SoakBroker(tmp_path / "broker", unused_port())
    yield broker
    try:
        broker.close()
    except BrokerError as error:
        pytest.fail(str(error), pytrace=False)
