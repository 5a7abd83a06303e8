"""The case processor alone: N pre-loaded overdue invoices → N cases opened → commands emitted.

The invoices are on `ledger.overdue` before the worker starts, so the run measures how fast one
`dcs worker case-processor` process drains a backlog: decode, decide, send the case event, the
partner registration and the M3 reminder stop, wait for their acks, then save the case in its
RocksDB table. The rate is read off `partner.commands` (first to last record time), the way the
consume→produce baseline is read off its output, so worker start-up is not in either.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workers.bench import kafka_io, services
from workers.bench.invoices import apply_world, encoded_invoices
from workers.bench.memory import RssSampler
from workers.bench.profile import Profiler
from workers.bench.stats import span_rate
from workers.scenario.stack import start_workers

WORKER = "case-processor"
OUTPUTS = ("case.events", "partner.commands", "m3.commands")


@dataclass
class ProcessorResult:
    n: int
    prefix: str
    per_s: float | None
    work_s: float
    startup_s: float
    outputs: dict[str, int]
    memory: dict[str, dict[str, float]]
    profile: dict[str, Any] | None = None
    preload_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(prefix: str, run_dir: Path, n: int, *, profile: bool = False, report=print) -> ProcessorResult:
    settings = services.phase_settings(prefix, run_dir)
    apply_world(settings)
    began = time.monotonic()
    kafka_io.preload(settings, settings.topic("ledger.overdue"), encoded_invoices(n))
    preload_s = time.monotonic() - began
    stack = services.bare_stack(settings, run_dir)
    watch = kafka_io.LogWatch(settings)
    commands = settings.topic("partner.commands")
    profiler = None
    try:
        with RssSampler(services.pids(stack)) as sampler:
            started = time.monotonic()
            start_workers(stack, (WORKER,))
            startup_s = time.monotonic() - started
            sampler.mark()
            if profile:
                profiler = Profiler(stack.processes[0].popen.pid, run_dir / "case-processor.pyspy.txt")
            services.wait_until(lambda: watch.count(commands) >= n, stack, timeout_s=max(180.0, n / 20),
                                what=f"processor N={n}", progress=lambda: f"{watch.count(commands)}/{n} cases",
                                report=report, every_s=10.0 if n <= 20_000 else 30.0)
            summary = profiler.stop() if profiler else None
            sampler.sample()
        span = watch.span(commands)
        outputs = {topic: watch.count(settings.topic(topic)) for topic in OUTPUTS}
    finally:
        if profiler is not None and profiler.running:
            profiler.stop()
        stack.stop()
        watch.close()
    work_s = ((span.last_ms or 0) - (span.first_ms or 0)) / 1000
    return ProcessorResult(n=n, prefix=prefix, per_s=span_rate(span.count, span.first_ms or 0, span.last_ms or 0),
                           work_s=round(work_s, 2), startup_s=round(startup_s, 2), outputs=outputs,
                           memory=sampler.as_dict(), profile=summary, preload_s=round(preload_s, 2))
