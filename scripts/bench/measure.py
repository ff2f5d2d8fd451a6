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


def _high_water_kib(process: psutil.Process) -> int:
    """Peak resident memory of the process's current program (VmHWM), else its RSS now.

    VmHWM belongs to the memory map the program got at exec, so unlike the kernel's ru_maxrss
    it does not include the parent's resident memory at fork time.
    """
    try:
        with open(f"/proc/{process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    try:
        return process.memory_info().rss // 1024
    except psutil.Error:
        return 0


def _tree_high_water(process: psutil.Process) -> int:
    """Summed peak resident memory of a process and its live descendants, in KiB."""
    try:
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    return sum(_high_water_kib(member) for member in processes)


class _TreeSampler(threading.Thread):
    """Samples the summed peak memory of a process tree until stopped."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            process = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, _tree_high_water(process))
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

    The peak is the largest sum, over the process and its live children, of each one's peak
    resident memory (VmHWM), sampled every 0.2 s while it runs. (wait4's ru_maxrss is not used:
    on Linux it counts the parent's resident memory at fork time.)
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status = os.waitpid(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(name, seconds, sampler.peak_kib / 1024, process.returncode, log_path)
