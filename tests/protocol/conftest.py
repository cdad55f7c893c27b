"""Fixtures for the protocol cross-checks: one protocol_probe process per test session.

The probe (tools/protocol_probe) reads one command per line on stdin and answers with one
JSON object per line on stdout, so a single process serves every test. The binary is
found under $SAMSA_BUILD_DIR (default: <repo>/build); a missing binary fails the session
loudly rather than skipping the cross-checks.
"""

import json
import os
import pathlib
import selectors
import subprocess

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
PROBE_RELATIVE_PATH = pathlib.Path("tools/protocol_probe/protocol_probe")
# A probe answer is one line; a stuck probe must not hang the suite forever.
PROBE_TIMEOUT_SECONDS = 30


def probe_path():
    build_dir = pathlib.Path(os.environ.get("SAMSA_BUILD_DIR", REPO_ROOT / "build"))
    return build_dir / PROBE_RELATIVE_PATH


class ProtocolProbe:
    """Line-by-line client of a running protocol_probe process."""

    def __init__(self, path):
        self._process = subprocess.Popen(
            [str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def command(self, line):
        """Sends one command line and returns the decoded JSON answer."""
        assert "\n" not in line
        if self._process.poll() is not None:
            raise RuntimeError(
                f"protocol_probe exited with status {self._process.returncode}")
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        answer = self._read_line()
        if not answer:
            raise RuntimeError(
                f"protocol_probe closed its output (status {self._process.poll()}) "
                f"after the command: {line[:200]}")
        return json.loads(answer)

    def _read_line(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(PROBE_TIMEOUT_SECONDS):
                raise RuntimeError(
                    f"protocol_probe gave no answer within {PROBE_TIMEOUT_SECONDS}s")
        return self._process.stdout.readline()

    def request(self, frame):
        """Decodes a request frame (header + body, no size prefix)."""
        return self.command("request " + bytes(frame).hex())

    def response(self, api_key, api_version, frame):
        """Decodes a response frame (header + body, no size prefix)."""
        return self.command(f"response {api_key} {api_version} {bytes(frame).hex()}")

    def batch(self, batch_bytes):
        """Parses one v2 record batch."""
        return self.command("batch " + bytes(batch_bytes).hex())

    def close(self):
        self._process.stdin.close()
        try:
            self._process.wait(timeout=PROBE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@pytest.fixture(scope="session")
def probe():
    path = probe_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"protocol_probe binary not found at {path}. Build it with\n"
            f"  flock /tmp/samsa-build.lock ninja -C {path.parents[2]} -j2 protocol_probe\n"
            f"or point SAMSA_BUILD_DIR at the build directory that has it.",
            pytrace=False,
        )
    running = ProtocolProbe(path)
    yield running
    running.close()
