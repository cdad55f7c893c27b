"""The broker under test: `samsa serve` as a child process, with the figures the benchmark
reads from it (start-to-ready, CPU time, resident memory).

The broker logs `ready in <N> ms` once it serves; SIGTERM shuts it down with status 0. It
listens on 127.0.0.1 on a port picked here (bind to port 0, read it, close), and keeps its
data in the directory it is given, which must be fresh for start-to-ready to mean
"empty data directory".
"""

import os
import re
import signal
import socket
import subprocess
import time

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
POLL_INTERVAL_SECONDS = 0.001
LOG_TAIL_LINES = 30
READY_LINE = re.compile(r"ready in (?P<ms>\d+) ms")
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


class BrokerError(Exception):
    """The broker did not start, or exited by itself; the message has its log's end."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _accepts(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.05):
            return True
    except OSError:
        return False


class Broker:
    def __init__(self, samsa_path, data_dir, log_path):
        self.samsa_path = samsa_path
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = free_port()
        self.process = None
        # Filled by start(): milliseconds from spawn to the port accepting connections,
        # from spawn to the ready line in the log, and what the broker itself logged.
        self.spawn_to_accept_ms = None
        self.spawn_to_ready_ms = None
        self.logged_ready_ms = None

    @property
    def bootstrap(self):
        return f"{HOST}:{self.port}"

    @property
    def pid(self):
        return self.process.pid

    def command_line(self):
        return [str(self.samsa_path), "serve",
                "--set", f"log.dirs={self.data_dir}",
                "--set", f"listeners=PLAINTEXT://{HOST}:{self.port}"]

    def start(self):
        with open(self.log_path, "wb") as log:
            spawned = time.monotonic()
            self.process = subprocess.Popen(self.command_line(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = spawned + READY_TIMEOUT_SECONDS
        while self.spawn_to_accept_ms is None or self.spawn_to_ready_ms is None:
            now = time.monotonic()
            if self.spawn_to_accept_ms is None and _accepts(self.port):
                self.spawn_to_accept_ms = (time.monotonic() - spawned) * 1000
            if self.spawn_to_ready_ms is None:
                match = READY_LINE.search(self.log_text())
                if match:
                    self.spawn_to_ready_ms = (now - spawned) * 1000
                    self.logged_ready_ms = int(match["ms"])
            if self.process.poll() is not None:
                raise BrokerError(self.describe(
                    f"exited with status {self.process.returncode} before it was ready"))
            if now > deadline:
                self.process.kill()
                self.process.wait()
                raise BrokerError(self.describe(f"not ready within {READY_TIMEOUT_SECONDS} s"))
            time.sleep(POLL_INTERVAL_SECONDS)
        return self

    def exit_status(self):
        """None while the broker runs."""
        return None if self.process is None else self.process.poll()

    def stop(self):
        """SIGTERM, then wait; returns the exit status (SIGKILL after the timeout, status
        reported as negative, like subprocess does)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def cpu_seconds(self):
        """User plus system CPU time of the whole process (every thread) so far."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            text = stat.read()
        # Fields after the command name, which is in parentheses and may hold spaces;
        # utime and stime are fields 14 and 15 of the line (11 and 12 after the name).
        fields = text[text.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND

    def memory_kib(self):
        """{"VmRSS": KiB, "VmHWM": KiB} from /proc/<pid>/status."""
        values = {}
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
        return values

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read()
        except FileNotFoundError:
            return ""

    def log_tail(self):
        return "\n".join(self.log_text().splitlines()[-LOG_TAIL_LINES:])

    def describe(self, what):
        return (f"samsa broker ({' '.join(self.command_line())}) {what}.\n"
                f"Last lines of {self.log_path}:\n{self.log_tail()}")
