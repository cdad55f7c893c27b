"""Runs build/bench/samsa-load and reads the one JSON object it prints.

samsa-load's contract: `samsa-load produce|consume|e2e --brokers H:P --topic T ...` prints one
JSON object on stdout and human text on stderr, and exits non-zero on failure. The names
of its JSON fields are in RESULT_FIELDS below and nowhere else; if the tool renames one,
change it there.
"""

import dataclasses
import json
import subprocess
import time

# Our name -> the path of the field in samsa-load's JSON object.
RESULT_FIELDS = {
    "mode": ("mode",),
    "records": ("records",),
    "bytes": ("bytes",),
    "seconds": ("seconds",),
    "records_per_s": ("records_per_s",),
    "errors": ("errors",),
    "latency_p50_ms": ("latency_ms", "p50"),
    "latency_p99_ms": ("latency_ms", "p99"),
    "latency_p999_ms": ("latency_ms", "p999"),
    "latency_max_ms": ("latency_ms", "max"),
    "config": ("config",),
}
REQUIRED_FIELDS = ("records", "bytes", "seconds")
STDERR_TAIL_LINES = 15


@dataclasses.dataclass
class LoadResult:
    """One run's figures. Bytes are record bytes as samsa-load counts them (uncompressed);
    latencies are in milliseconds, None when the mode reports none."""

    mode: str
    records: int
    bytes: int
    seconds: float
    records_per_s: float
    errors: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    latency_p999_ms: float | None
    latency_max_ms: float | None
    config: dict

    @property
    def mb_per_s(self):
        """Decimal megabytes (10^6 bytes) per second, computed here rather than taken from
        the tool so that every figure in the report uses the same unit."""
        return self.bytes / self.seconds / 1e6 if self.seconds > 0 else 0.0


@dataclasses.dataclass
class LoadOutcome:
    """A run of samsa-load: its result, or why there is none."""

    command: list
    wall_seconds: float
    result: LoadResult | None = None
    error: str | None = None
    stderr_tail: str = ""

    @property
    def ok(self):
        return self.result is not None


class ResultFormatError(Exception):
    """samsa-load's stdout is not the JSON object of its contract."""


def _lookup(document, path):
    value = document
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _number(value, convert):
    return None if value is None else convert(value)


def parse_result(stdout_text):
    """The LoadResult in samsa-load's stdout (the last line that is a JSON object)."""
    document = None
    for line in reversed(stdout_text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            document = json.loads(line)
            break
    if document is None:
        try:
            document = json.loads(stdout_text)
        except json.JSONDecodeError as error:
            raise ResultFormatError(f"no JSON object on stdout ({error})") from None
    fields = {name: _lookup(document, path) for name, path in RESULT_FIELDS.items()}
    missing = [name for name in REQUIRED_FIELDS if fields[name] is None]
    if missing:
        raise ResultFormatError(f"missing fields {missing} in {stdout_text.strip()[:300]}")
    seconds = float(fields["seconds"])
    records = int(fields["records"])
    records_per_s = fields["records_per_s"]
    if records_per_s is None:
        records_per_s = records / seconds if seconds > 0 else 0.0
    return LoadResult(
        mode=str(fields["mode"] or ""),
        records=records,
        bytes=int(fields["bytes"]),
        seconds=seconds,
        records_per_s=float(records_per_s),
        errors=int(fields["errors"] or 0),
        latency_p50_ms=_number(fields["latency_p50_ms"], float),
        latency_p99_ms=_number(fields["latency_p99_ms"], float),
        latency_p999_ms=_number(fields["latency_p999_ms"], float),
        latency_max_ms=_number(fields["latency_max_ms"], float),
        config=fields["config"] or {},
    )


def run(command, timeout_seconds):
    """Runs one samsa-load command line; never raises for a failed run."""
    started = time.monotonic()
    try:
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                   text=True, timeout=timeout_seconds)
    except subprocess.TimeoutExpired as expired:
        return LoadOutcome(command, time.monotonic() - started,
                           error=f"timed out after {timeout_seconds:.0f} s",
                           stderr_tail=_tail(expired.stderr))
    except OSError as error:
        return LoadOutcome(command, time.monotonic() - started, error=str(error))
    outcome = LoadOutcome(command, time.monotonic() - started,
                          stderr_tail=_tail(completed.stderr))
    if completed.returncode != 0:
        outcome.error = f"exit status {completed.returncode}"
        return outcome
    try:
        outcome.result = parse_result(completed.stdout)
    except (ResultFormatError, json.JSONDecodeError, TypeError, ValueError) as error:
        outcome.error = f"unreadable output: {error}"
    return outcome


def _tail(text):
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return "\n".join(text.strip().splitlines()[-STDERR_TAIL_LINES:])
