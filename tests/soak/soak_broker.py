"""The soak's broker: broker_process.Broker pinned to one port, with a record of its runs.

Every start listens on the same 127.0.0.1 port with the same data directory, so the
producers' librdkafka reconnects to each new run as to a broker that came back. Each start
is a BrokerRun (its log file, when it started, was ready and was killed, and how), which
is what a failure report names as "around which kill".
"""

import signal
import threading
import time

from broker_process import HOST, Broker, BrokerError

# start_killed_during_start_up() waits at most this long for start() to spawn the process.
SPAWN_TIMEOUT_SECONDS = 10


class BrokerRun:
    """One start of the broker; times are seconds since the soak began."""

    def __init__(self, number, log_path, started_s):
        self.number = number
        self.log_path = log_path
        self.started_s = started_s
        self.ready_s = None  # None: killed before it was ready
        self.killed_s = None
        self.kill_kind = None

    def describe(self):
        ready = "never ready" if self.ready_s is None else f"ready at {self.ready_s:.2f} s"
        if self.killed_s is None:
            end = "still running at the end"
        else:
            end = f"kill -9 ({self.kill_kind}) at {self.killed_s:.2f} s"
        return (f"broker run {self.number} (started at {self.started_s:.2f} s, {ready}, "
                f"{end}; log {self.log_path})")


class SoakBroker(Broker):
    def __init__(self, work_dir, port):
        super().__init__(work_dir, {"listeners": f"PLAINTEXT://{HOST}:{port}"})
        self.runs = []
        self._origin = time.monotonic()

    def elapsed_s(self):
        return time.monotonic() - self._origin

    @property
    def current_run(self):
        """The number of the latest run (1 for the first start), 0 before any."""
        return len(self.runs)

    def describe_run(self, number):
        if 1 <= number <= len(self.runs):
            return self.runs[number - 1].describe()
        return f"broker run {number} (unknown)"

    def start(self):
        run = BrokerRun(len(self.runs) + 1, self.work_dir / f"broker-{len(self.runs) + 1}.log",
                        self.elapsed_s())
        self.runs.append(run)
        super().start()
        run.ready_s = self.elapsed_s()
        return self

    def kill_running(self, kind):
        """kill -9 of a broker that must still be running (one that died by itself is a
        crash, reported with its log)."""
        self.check_running()
        assert self.is_running(), "kill_running() with no broker running"
        self.kill()
        self._killed(kind)

    def kill_during_shutdown(self, delay_seconds):
        """SIGTERM, then kill -9 `delay_seconds` later: a shutdown cut short, as a service
        manager does when a stop takes too long."""
        self.check_running()
        assert self.is_running(), "kill_during_shutdown() with no broker running"
        self._process.send_signal(signal.SIGTERM)
        time.sleep(delay_seconds)
        self.kill()
        self._killed("shutdown")
        # It may have finished its shutdown before the kill; it must not have crashed.
        if self._process.returncode not in (0, -signal.SIGKILL):
            raise BrokerError(self._describe(
                f"exited with status {self._process.returncode} during its shutdown"))

    def start_killed_during_start_up(self, delay_seconds):
        """Starts a run and SIGKILLs it `delay_seconds` after the process was spawned, in
        its recovery or just after it became ready. Returns True when it died before
        logging `ready`."""
        previous = self._process
        spawned = threading.Event()

        def kill_after_spawn():
            deadline = time.monotonic() + SPAWN_TIMEOUT_SECONDS
            while self._process is previous and time.monotonic() < deadline:
                time.sleep(0.0002)
            process = self._process
            if process is previous:
                return
            spawned.set()
            time.sleep(delay_seconds)
            # A no-op when the process was already reaped: never signals another pid.
            process.send_signal(signal.SIGKILL)

        killer = threading.Thread(target=kill_after_spawn, daemon=True)
        killer.start()
        died_before_ready = False
        try:
            self.start()
        except BrokerError as error:
            if "exited with status -9 before it was ready" not in str(error):
                raise
            died_before_ready = True
        killer.join()
        assert spawned.is_set(), "start() never spawned the broker"
        self.kill()
        self._killed("start-up")
        return died_before_ready

    def _killed(self, kind):
        run = self.runs[-1]
        run.killed_s = self.elapsed_s()
        run.kill_kind = kind
