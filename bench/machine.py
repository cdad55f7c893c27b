"""What the benchmark ran on, and that machine's limits measured with standard tools.

Every limit is a short run (a few seconds) of iperf3 or fio. A limit that cannot be
measured (tool missing, tool failed) is reported as "not measured: <why>"; it never stops
the benchmark.
"""

import dataclasses
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import tempfile
import time

TOOL_TIMEOUT_SECONDS = 60


@dataclasses.dataclass
class Limit:
    """One measured limit: a short description of what ran, and the result as text (or
    "not measured: <why>"); numbers holds the figures for the raw JSON."""

    what: str
    command: str
    result: str
    numbers: dict = dataclasses.field(default_factory=dict)


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return ""


def _output(command, cwd=None):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=cwd,
                              timeout=TOOL_TIMEOUT_SECONDS).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def _cpu_model():
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib():
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return None


def _filesystem(path):
    """'ext4 on /dev/vda, 76 GB free' for the filesystem holding path."""
    text = _output(["df", "-B1", "--output=source,fstype,avail", str(path)])
    if not text or len(text.splitlines()) < 2:
        return "unknown"
    source, fstype, available = text.splitlines()[1].split()[:3]
    return f"{fstype} on {source}, {int(available) / 1e9:.0f} GB free"


def _librdkafka_version():
    try:
        import confluent_kafka
        version = confluent_kafka.libversion()[0]
    except ImportError:
        version = "unknown"
    package = _output(["dpkg-query", "-W", "-f=${Version}", "librdkafka-dev"])
    return f"{version} (Debian librdkafka-dev {package})" if package else version


def describe(data_root, repo_root):
    """The machine, the date and the code, as an ordered dict of label -> text."""
    affinity = len(os.sched_getaffinity(0))
    memory = _memory_gib()
    commit = _output(["git", "rev-parse", "--short", "HEAD"], cwd=repo_root) or "unknown"
    load = os.getloadavg()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "CPU": _cpu_model(),
        "cores": f"{os.cpu_count()} ({affinity} usable by this process)",
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "kernel": f"{platform.system()} {platform.release()}",
        "data directory": f"a fresh directory in {data_root.parent}: {_filesystem(data_root)}",
        "librdkafka": _librdkafka_version(),
        "load average at start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)",
    }


def other_benchmarks_running():
    """Command lines of samsa-load processes that are not ours (they would share the
    CPUs and distort every figure)."""
    text = _output(["pgrep", "-a", "-f", "samsa-load"])
    if not text:
        return []
    own = str(os.getpid())
    return [line for line in text.splitlines() if line.split()[0] != own]


# -- loopback bandwidth -----------------------------------------------------------------

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loopback_bandwidth(seconds):
    what = "TCP over loopback, one stream"
    command = f"iperf3 -c 127.0.0.1 -t {seconds} -J (against iperf3 -s)"
    if shutil.which("iperf3") is None:
        return Limit(what, command, "not measured: iperf3 is not installed")
    port = _free_port()
    server = subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(port)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        report = None
        for _ in range(20):  # the server needs a moment to listen
            time.sleep(0.1)
            report = _output(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t",
                              str(seconds), "-J"])
            if report:
                break
        if not report:
            return Limit(what, command, "not measured: iperf3 client failed")
        bits_per_second = json.loads(report)["end"]["sum_received"]["bits_per_second"]
    except (KeyError, ValueError) as error:
        return Limit(what, command, f"not measured: unreadable iperf3 output ({error})")
    finally:
        server.terminate()
        server.wait()
    return Limit(what, command,
                 f"{bits_per_second / 1e9:.1f} Gbit/s ({bits_per_second / 8e9:.2f} GB/s)",
                 {"bits_per_second": bits_per_second})


# -- disk -------------------------------------------------------------------------------

def _fio(directory, name, options):
    """Runs one fio job in directory; its job object from --output-format=json."""
    command = ["fio", f"--name={name}", f"--directory={directory}", "--ioengine=psync",
               "--output-format=json", *options]
    text = _output(command)
    if text is None:
        raise RuntimeError("fio failed")
    return json.loads(text[text.index("{"):])["jobs"][0]


def _fio_limit(what, data_root, name, options, summarize):
    command = "fio " + " ".join(options)
    if shutil.which("fio") is None:
        return Limit(what, command, "not measured: fio is not installed")
    try:
        with tempfile.TemporaryDirectory(prefix="fio-", dir=data_root) as directory:
            job = _fio(directory, name, options)
        text, numbers = summarize(job)
        return Limit(what, command, text, numbers)
    except (RuntimeError, KeyError, ValueError, OSError) as error:
        return Limit(what, command, f"not measured: {error}")


def _write_bandwidth(job):
    bytes_per_second = job["write"]["bw_bytes"]
    return f"{bytes_per_second / 1e6:.0f} MB/s", {"bytes_per_second": bytes_per_second}


def _sync_latency(job):
    sync = job["sync"]["lat_ns"]
    percentiles = sync["percentile"]
    p50_ms = percentiles["50.000000"] / 1e6
    p99_ms = percentiles["99.000000"] / 1e6
    syncs_per_second = job["write"]["iops"]
    return (f"p50 {p50_ms:.2f} ms, p99 {p99_ms:.2f} ms ({syncs_per_second:.0f} syncs/s)",
            {"p50_ms": p50_ms, "p99_ms": p99_ms, "syncs_per_second": syncs_per_second})


def disk_limits(data_root, seconds):
    """Sequential 1 MiB writes to the page cache (one fsync at the end), the same with an
    fdatasync after every write, and the latency of fdatasync after a 4 KiB write."""
    runtime = [f"--runtime={seconds}", "--time_based"]
    return [
        _fio_limit("sequential writes, 1 MiB blocks, page cache, fsync at the end",
                   data_root, "seqwrite",
                   ["--rw=write", "--bs=1M", "--size=1G", "--end_fsync=1", *runtime],
                   _write_bandwidth),
        _fio_limit("sequential writes, 1 MiB blocks, fdatasync after each",
                   data_root, "seqwrite-sync",
                   ["--rw=write", "--bs=1M", "--size=1G", "--fdatasync=1", *runtime],
                   _write_bandwidth),
        _fio_limit("fdatasync latency after a 4 KiB sequential write",
                   data_root, "fsync-latency",
                   ["--rw=write", "--bs=4k", "--size=64M", "--fdatasync=1", *runtime],
                   _sync_latency),
    ]


# -- page-cache growth -------------------------------------------------------------------

def _cpu_per_gigabyte(job):
    """CPU seconds (user + system) the fio job spent per GB it wrote."""
    seconds = job["job_runtime"] / 1e3
    cpu_seconds = (job["usr_cpu"] + job["sys_cpu"]) / 100 * seconds
    gigabytes = job["write"]["io_bytes"] / 1e9
    per_gigabyte = cpu_seconds / gigabytes
    return (f"{per_gigabyte:.2f} CPU s/GB ({job['write']['bw_bytes'] / 1e6:.0f} MB/s)",
            {"cpu_seconds_per_gigabyte": per_gigabyte,
             "bytes_per_second": job["write"]["bw_bytes"]})


def page_cache_growth(data_root, size_mib):
    """The kernel's own CPU cost of putting file data into the page cache: a new file
    written once, then, right after deleting it, again. On a virtual machine whose host
    takes back the guest's free memory (a balloon with free page reporting), the first
    write into memory the guest has not recently used faults every page in from the host:
    several times the cost of reusing pages just freed. A broker writing new data pays
    the first price, and it is part of its CPU per GB."""
    what_new = "CPU to grow the page cache: a new file written once, no fsync"
    what_recycled = "the same right after deleting that file (pages just freed, reused)"
    options = ["--rw=write", "--bs=1M", f"--size={size_mib}M"]
    command = "fio " + " ".join(options)
    if shutil.which("fio") is None:
        return [Limit(what_new, command, "not measured: fio is not installed")]
    try:
        with tempfile.TemporaryDirectory(prefix="fio-", dir=data_root) as directory:
            first = _cpu_per_gigabyte(_fio(directory, "grow", options))
        with tempfile.TemporaryDirectory(prefix="fio-", dir=data_root) as directory:
            second = _cpu_per_gigabyte(_fio(directory, "grow", options))
    except (RuntimeError, KeyError, ValueError, OSError, ZeroDivisionError) as error:
        return [Limit(what_new, command, f"not measured: {error}")]
    return [Limit(what_new, command, *first),
            Limit(what_recycled, command + " (again)", *second)]


def limits(data_root, seconds):
    """Page-cache growth first: the other runs free memory that it would otherwise reuse."""
    growth_mib = 2048 if seconds >= 3 else 256
    return [*page_cache_growth(data_root, growth_mib), loopback_bandwidth(seconds),
            *disk_limits(data_root, seconds)]
