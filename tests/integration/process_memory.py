"""A process's memory as Linux reports it in /proc/<pid>/status, for tests that bound what
a client can make the broker hold.

  VmRSS   resident now
  VmHWM   the peak of VmRSS ("high water mark"); writing 5 to /proc/<pid>/clear_refs
          resets it to the current VmRSS (Linux 4.0+, owner or root), so one phase's
          peak can be measured on its own
  VmPeak  the peak of the address space (reserved, touched or not); it cannot be reset

MemoryWatch measures one phase: the resident memory before it, the peak during it and the
resident memory after it."""

import os
import time

MIB = 1024 * 1024


def status_bytes(pid, field):
    """One `Vm...:  <n> kB` line of /proc/<pid>/status, in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def resident_bytes(pid):
    return status_bytes(pid, "VmRSS")


def peak_resident_bytes(pid):
    return status_bytes(pid, "VmHWM")


def virtual_memory_peak_bytes(pid):
    return status_bytes(pid, "VmPeak")


def reset_peak_resident(pid):
    """Resets VmHWM to the current VmRSS; False where the kernel does not allow it (then
    VmHWM still holds the peak since the process started)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def open_file_limit(pid):
    """The soft RLIMIT_NOFILE of a process, from /proc/<pid>/limits."""
    with open(f"/proc/{pid}/limits", encoding="ascii") as limits:
        for line in limits:
            if line.startswith("Max open files"):
                soft = line.split()[3]
                return None if soft == "unlimited" else int(soft)
    raise AssertionError(f"no open file limit in /proc/{pid}/limits")


def open_file_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settle(pid, seconds=0.5, timeout_seconds=10):
    """Waits until VmRSS stops changing for `seconds` (work in flight has landed), at most
    timeout_seconds; returns VmRSS. A wait, never an assertion."""
    deadline = time.monotonic() + timeout_seconds
    last = resident_bytes(pid)
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = resident_bytes(pid)
        if abs(now - last) > 64 * 1024:
            last = now
            stable_since = time.monotonic()
        elif time.monotonic() - stable_since >= seconds:
            break
    return resident_bytes(pid)


def mib(value):
    return f"{value / MIB:.1f} MiB"


class MemoryWatch:
    """The memory of one phase of a process:

        watch = MemoryWatch(pid)      # resets the peak, notes VmRSS and VmPeak
        ... the phase ...
        watch.stop()                  # notes the peak and VmRSS after it
        watch.peak_growth             # peak VmRSS during the phase - VmRSS before it
    """

    def __init__(self, pid):
        self.pid = pid
        self.peak_was_reset = reset_peak_resident(pid)
        self.resident_before = resident_bytes(pid)
        self.address_space_peak_before = virtual_memory_peak_bytes(pid)
        self.peak_resident = None
        self.resident_after = None
        self.address_space_peak_after = None

    def stop(self):
        self.peak_resident = peak_resident_bytes(self.pid)
        self.resident_after = resident_bytes(self.pid)
        self.address_space_peak_after = virtual_memory_peak_bytes(self.pid)
        return self

    @property
    def peak_growth(self):
        return max(0, self.peak_resident - self.resident_before)

    @property
    def resident_growth(self):
        return self.resident_after - self.resident_before

    @property
    def address_space_peak_growth(self):
        return self.address_space_peak_after - self.address_space_peak_before

    def summary(self):
        peak = "peak" if self.peak_was_reset else "peak since start"
        return (f"broker RSS {mib(self.resident_before)} -> {peak} {mib(self.peak_resident)} "
                f"(+{mib(self.peak_growth)}) -> {mib(self.resident_after)} after; "
                f"VmPeak +{mib(self.address_space_peak_growth)}")
