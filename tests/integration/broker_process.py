"""The real broker (`samsa serve`) as a child process of a test.

A Broker listens on 127.0.0.1 with an ephemeral port (listeners=PLAINTEXT://127.0.0.1:0)
and keeps its data in a directory of the test's own. Its stdout and stderr go to one log
file per start (broker-<n>.log beside the data directory). The broker's contract:

  - it logs `listening on <LISTENER>://<host>:<port>` once per listener, then
    `ready in <N> ms`, and serves only after that;
  - SIGTERM or SIGINT shut it down gracefully with exit status 0;
  - under AddressSanitizer/UndefinedBehaviorSanitizer any report lands in the log.

A broker that exits by itself, exits non-zero, or logs a sanitizer report fails the test
(stop() and close() raise BrokerError with the end of the log).
"""

import os
import pathlib
import re
import signal
import subprocess
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
LOG_TAIL_LINES = 60

LISTENING_LINE = re.compile(r"listening on (?P<name>\w+)://(?P<host>\S+):(?P<port>\d+)")
READY_LINE = re.compile(r"ready in (?P<ms>\d+) ms")
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:")


class BrokerError(Exception):
    """The broker failed to start, exited on its own, exited uncleanly or reported a
    sanitizer error. The message carries the end of its log."""


def build_dir():
    return pathlib.Path(os.environ.get("SAMSA_BUILD_DIR", REPO_ROOT / "build"))


def samsa_binary():
    return build_dir() / "samsa"


def sanitizer_build():
    """Whether the build under test is the AddressSanitizer one (SAMSA_SANITIZE=ON in its
    CMakeCache.txt)."""
    cache = build_dir() / "CMakeCache.txt"
    return cache.is_file() and "SAMSA_SANITIZE:BOOL=ON" in cache.read_text(errors="replace")


def missing_binary_message(path, target):
    return (f"{path} not found. Build it with\n"
            f"  flock /tmp/samsa-build.lock cmake --build {build_dir()} --target {target}\n"
            f"or point SAMSA_BUILD_DIR at a build directory that has it.")


def sanitizer_report(log_text):
    """The first log line that reports a sanitizer error, or None."""
    for line in log_text.splitlines():
        if any(marker in line for marker in SANITIZER_MARKERS):
            return line
    return None


def setting_text(value):
    """A setting as Kafka writes it: booleans are `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Broker:
    """One broker process; start() again after stop() or kill() restarts it on the same
    data directory (on a new ephemeral port)."""

    def __init__(self, work_dir, settings=None, smp=None):
        self.work_dir = pathlib.Path(work_dir)
        self.data_dir = self.work_dir / "data"
        self.settings = {"listeners": f"PLAINTEXT://{HOST}:0",
                         "log.dirs": str(self.data_dir)}
        self.settings.update({key: setting_text(value) for key, value in (settings or {}).items()})
        self.smp = smp
        self.host = None
        self.port = None
        self.log_path = None
        self._process = None
        self._starts = 0
        self._exit_expected = False

    # -- properties --------------------------------------------------------------------

    @property
    def bootstrap(self):
        return f"{self.host}:{self.port}"

    @property
    def log_text(self):
        """The log of the current (or last) run."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def pid(self):
        return self._process.pid

    def is_running(self):
        return self._process is not None and self._process.poll() is None

    def command_line(self):
        command = [str(samsa_binary()), "serve"]
        if self.smp is not None:
            command += ["--smp", str(self.smp)]
        for key, value in self.settings.items():
            command += ["--set", f"{key}={value}"]
        return command

    def meta_properties(self):
        """meta.properties of the data directory as a dict."""
        values = {}
        text = (self.data_dir / "meta.properties").read_text(encoding="utf-8")
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "!")) and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
        return values

    # -- lifecycle ---------------------------------------------------------------------

    def start(self):
        """Starts the broker and returns once it logged `ready` (BrokerError otherwise)."""
        assert not self.is_running(), "the broker is already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._starts += 1
        self.log_path = self.work_dir / f"broker-{self._starts}.log"
        self.host = self.port = None
        self._exit_expected = False
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                self.command_line(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.work_dir)
        self._wait_ready()
        return self

    def stop(self, signal_number=signal.SIGTERM):
        """Signals the broker and waits for it; BrokerError unless it exits with status 0
        and a log free of sanitizer reports."""
        assert self._process is not None, "the broker was never started"
        self._exit_expected = True
        if self._process.poll() is None:
            self._process.send_signal(signal_number)
            try:
                self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
                raise BrokerError(self._describe(
                    f"did not exit within {STOP_TIMEOUT_SECONDS}s of "
                    f"{signal.Signals(signal_number).name}; killed"))
        self._check_exit()

    def kill(self):
        """SIGKILL, as a crash would; the log is not checked."""
        self._exit_expected = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait()

    def restart(self):
        self.stop()
        return self.start()

    def check_running(self):
        """BrokerError if the broker exited by itself (reported once)."""
        if self._process is None or self._exit_expected or self._process.poll() is None:
            return
        self._exit_expected = True
        raise BrokerError(self._describe(
            f"exited by itself with status {self._process.returncode}"))

    def close(self):
        """Teardown: BrokerError if the broker exited by itself, else stop() it if running."""
        self.check_running()
        if self.is_running():
            self.stop()

    # -- internals ---------------------------------------------------------------------

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            text = self.log_text
            if READY_LINE.search(text):
                self._read_listener(text)
                return
            if self._process.poll() is not None:
                self._exit_expected = True
                raise BrokerError(self._describe(
                    f"exited with status {self._process.returncode} before it was ready"))
            if time.monotonic() > deadline:
                self.kill()
                raise BrokerError(self._describe(
                    f"not ready within {READY_TIMEOUT_SECONDS}s; killed"))
            time.sleep(0.02)

    def _read_listener(self, text):
        for match in LISTENING_LINE.finditer(text):
            if match["name"] == "PLAINTEXT":
                self.host, self.port = match["host"], int(match["port"])
                return
        self.kill()
        raise BrokerError(self._describe("logged `ready` without a PLAINTEXT listening line"))

    def _check_exit(self):
        status = self._process.returncode
        if status != 0:
            raise BrokerError(self._describe(f"exited with status {status}"))
        report = sanitizer_report(self.log_text)
        if report is not None:
            raise BrokerError(self._describe(f"sanitizer report: {report}"))

    def _describe(self, what):
        tail = self.log_text.splitlines()[-LOG_TAIL_LINES:]
        return (f"samsa broker (pid {self._process.pid}, {' '.join(self.command_line())}) "
                f"{what}.\nLast {len(tail)} lines of {self.log_path}:\n" + "\n".join(tail))
