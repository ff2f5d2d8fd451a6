"""Run a child process; record its wall time and peak memory (the process and its children)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

MIB = 1024 * 1024


@dataclass
class Measured:
    """Wall time and memory of one child process."""

    name: str
    seconds: float
    peak_rss_mib: float
    returncode: int
    log_path: Path

    def tail(self, chars: int = 4000) -> str:
        """The end of the process's output (stdout and stderr together)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-chars:]


def _tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process plus all its live descendants, in bytes."""
    total = 0
    try:
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in processes:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree until stopped (children run concurrently)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            process = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            self.peak = max(self.peak, _tree_rss(process))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(
    name: str,
    command: Sequence[str],
    log_path: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run `command`, its output going to `log_path`; return wall seconds and peak memory.

    The peak is the larger of the kernel's high-water mark of the child (wait4's ru_maxrss,
    which covers its waited-for descendants one at a time) and the largest summed RSS of the
    whole process tree seen by a 0.1 s sampler (children running at the same time).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux
    peak = max(usage.ru_maxrss * 1024, sampler.peak) / MIB
    return Measured(name, seconds, peak, process.returncode, log_path)
