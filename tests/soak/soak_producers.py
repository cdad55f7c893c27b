"""The soak's producers: idempotent acks=all confluent-kafka producers on threads that keep
producing while the broker is killed and restarted under them.

Each SoakProducer thread runs one confluent_kafka.Producer (one producer id) at a time:

  - a steady producer keeps one instance for the whole soak, across every restart;
  - a rotating producer replaces its instance every few thousand records (drained first),
    so InitProducerId is asked again and again, before and after kills;
  - an instance that reports a fatal error (librdkafka gives up on the idempotent
    session) is drained and replaced, and the error is kept for the verdict.

Each instance has its own label (`<name>.<n>`) and ProducerLedger. Records go out in
bursts from a token bucket at a rate of the thread's own, with at most MAX_OUTSTANDING
records not yet reported, so the volume stays bounded while the broker is down. The
message timeout is far longer than any outage: librdkafka retries a record across a
restart rather than failing it.
"""

import collections
import logging
import threading
import time
import traceback

import confluent_kafka

from soak_records import ProducerLedger

MAX_OUTSTANDING = 20000
MESSAGE_TIMEOUT_MS = 600000
# After stop(): how long the last instance may take to deliver what it has.
FINAL_DRAIN_SECONDS = 120
LOG_TAIL_LINES = 40
RATES_PER_SECOND = [500, 2000, 6000]
BURST_CAP = 5000


class _TailHandler(logging.Handler):
    """Keeps the last librdkafka log lines of a producer for a failure report, and counts
    them by librdkafka facility (FAIL, REQTMOUT, DRAIN, ...)."""

    def __init__(self):
        super().__init__()
        self.lines = collections.deque(maxlen=LOG_TAIL_LINES)
        self.facilities = collections.Counter()

    def emit(self, record):
        self.lines.append(self.format(record))
        # confluent-kafka logs ("%s [%s] %s", facility, client name, text).
        facility = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        self.facilities[facility] += 1


class SoakProducer(threading.Thread):
    def __init__(self, name, bootstrap, topic, current_run, rng, rotating):
        super().__init__(name=f"soak-producer-{name}", daemon=True)
        self.producer_name = name
        self.rotating = rotating
        self.ledgers = []  # ProducerLedger of every instance, in order
        self.fatal_errors = []  # (label, broker run, error text)
        self.client_errors = 0  # errors librdkafka reported and recovered from
        self.undelivered = 0  # records with no delivery report after the final drain
        self.crash = None  # traceback text if the thread itself failed
        self._bootstrap_servers = bootstrap
        self._topic = topic
        self._current_run = current_run
        self._rng = rng
        self._rate_per_second = rng.choice(RATES_PER_SECOND)
        self._stop_producing = threading.Event()
        self._abandon = threading.Event()
        self._log = _TailHandler()
        self._log.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        self._logger = logging.getLogger(f"soak.librdkafka.{name}")
        self._logger.propagate = False
        self._logger.addHandler(self._log)

    # -- what the controller reads ------------------------------------------------------

    def acknowledged(self):
        return sum(ledger.acknowledged for ledger in self.ledgers)

    def produced(self):
        return sum(ledger.produced for ledger in self.ledgers)

    def describe(self):
        return (f"producer {self.producer_name} ({len(self.ledgers)} instances, "
                f"{self._rate_per_second} records/s): {self.produced()} produced, "
                f"{self.acknowledged()} acknowledged, {self.client_errors} client errors, "
                f"fatal errors {self.fatal_errors}")

    def log_facilities(self):
        return self._log.facilities

    def log_tail(self):
        return "\n".join(self._log.lines)

    def stop(self, drain=True):
        """Stops producing; the thread then drains its last instance and ends (at once,
        purging what is left, with drain=False: the soak failed and the broker may be
        gone)."""
        if not drain:
            self._abandon.set()
        self._stop_producing.set()

    # -- the thread ---------------------------------------------------------------------

    def run(self):
        try:
            while not self._stop_producing.is_set():
                self._run_instance()
        except BaseException:  # the controller reports it
            self.crash = traceback.format_exc()

    def _config(self, on_error):
        rng = self._rng
        return {"bootstrap.servers": self._bootstrap_servers,
                "acks": "all",
                "enable.idempotence": True,
                "message.timeout.ms": MESSAGE_TIMEOUT_MS,
                "linger.ms": rng.choice([0, 2, 5, 20]),
                "batch.num.messages": rng.choice([50, 1000, 10000]),
                "max.in.flight.requests.per.connection": rng.choice([1, 2, 5]),
                "compression.type": rng.choice(["none", "none", "lz4", "zstd", "snappy",
                                                 "gzip"]),
                "retry.backoff.ms": 50,
                "reconnect.backoff.ms": 10,
                "reconnect.backoff.max.ms": 250,
                "error_cb": on_error,
                "logger": self._logger}

    def _run_instance(self):
        ledger = ProducerLedger(f"{self.producer_name}.{len(self.ledgers)}")
        self.ledgers.append(ledger)
        fatal = []

        def on_error(error):
            if error.fatal():
                fatal.append(error)
                self.fatal_errors.append((ledger.label, self._current_run(), str(error)))
            else:
                self.client_errors += 1

        def on_delivery(error, message):
            sequence = int(message.value().split(b" ", 3)[2])
            ledger.report(sequence, error, message.partition(), message.offset(),
                          self._current_run())

        producer = confluent_kafka.Producer(self._config(on_error))
        limit = self._rng.randint(200, 4000) if self.rotating else None
        tokens = 0.0
        refilled = time.monotonic()
        while not self._stop_producing.is_set() and not fatal and \
                (limit is None or ledger.produced < limit):
            if len(producer) >= MAX_OUTSTANDING:
                producer.poll(0.02)
                continue
            now = time.monotonic()
            tokens = min(BURST_CAP, tokens + (now - refilled) * self._rate_per_second)
            refilled = now
            burst = min(int(tokens), self._rng.choice([1, 10, 100, 1000]))
            if limit is not None:
                burst = min(burst, limit - ledger.produced)
            if burst <= 0:
                producer.poll(0.005)
                continue
            for _ in range(burst):
                if not self._produce_one(producer, ledger, on_delivery):
                    break
            tokens -= burst
            producer.poll(0)
        self._drain(producer, ledger, fatal)

    def _produce_one(self, producer, ledger, on_delivery):
        sequence, key, value = ledger.next_record(self._current_run())
        while True:
            try:
                producer.produce(self._topic, value=value, key=key, on_delivery=on_delivery)
                return True
            except BufferError:
                producer.poll(0.02)
            except confluent_kafka.KafkaException as error:
                ledger.report(sequence, f"produce() refused it: {error}", -1, -1,
                              self._current_run())
                return False

    def _drain(self, producer, ledger, fatal):
        """Waits for every delivery report of an instance: with no limit while the soak
        runs (the broker comes back), FINAL_DRAIN_SECONDS after stop(). What is left is
        purged; a record purged in flight may still have been written, and is then allowed
        once in the log like any other failed record."""
        deadline = None
        while len(producer) > 0 and not fatal and not self._abandon.is_set():
            if self._stop_producing.is_set():
                if deadline is None:
                    deadline = time.monotonic() + FINAL_DRAIN_SECONDS
                if time.monotonic() > deadline:
                    break
            producer.poll(0.05)
        if len(producer) > 0:
            producer.purge()
            producer.flush(0 if self._abandon.is_set() else 10)
        # Records with no report at all are never acknowledged; the verdict counts them.
        self.undelivered += ledger.pending()
