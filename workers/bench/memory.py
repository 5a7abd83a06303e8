"""Peak resident memory (and CPU seconds) of each worker process while a phase runs.

A background thread samples every process the phase has started — looked up on each tick, so
workers spawned after the sampler started are seen too — with psutil. Peak RSS per worker is
what "memory against N" plots; CPU seconds per worker say where the two shared cores went,
which the wall-clock rate alone cannot on a busy machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

MIB = 1024 * 1024


@dataclass
class ProcessUsage:
    peak_rss_mib: float = 0.0
    cpu_s: float = 0.0
    cpu_mark_s: float = 0.0
    """CPU seconds at `mark()` (e.g. once the worker is ready), so start-up can be told apart."""


@dataclass
class RssSampler:
    """`with RssSampler(lambda: {"case-processor": pid}) as sampler: …` then `sampler.usage`."""

    pids: Callable[[], dict[str, int]]
    interval_s: float = 0.25
    usage: dict[str, ProcessUsage] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, name="dcs-bench-rss", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> dict[str, ProcessUsage]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return self.usage

    def mark(self) -> None:
        self.sample()
        for usage in self.usage.values():
            usage.cpu_mark_s = usage.cpu_s

    def sample(self) -> None:
        for name, pid in self.pids().items():
            try:
                process = psutil.Process(pid)
                with process.oneshot():
                    rss, times = process.memory_info().rss, process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            usage = self.usage.setdefault(name, ProcessUsage())
            usage.peak_rss_mib = max(usage.peak_rss_mib, rss / MIB)
            usage.cpu_s = max(usage.cpu_s, times.user + times.system)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {name: {"peak_rss_mib": round(u.peak_rss_mib, 1), "cpu_s": round(u.cpu_s, 2),
                       "cpu_s_after_mark": round(u.cpu_s - u.cpu_mark_s, 2)}
                for name, u in sorted(self.usage.items())}
