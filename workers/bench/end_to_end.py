"""End to end: overdue invoices → registered at the partner → M3 reminder stop written.

All five workers run as processes around both sandboxes (scripted partner, fast mode), exactly
as `dcs scenario run` starts them (workers/scenario/stack.py). With every worker ready, N
invoices are written to `ledger.overdue` in one burst; a case is done when the partner sandbox
holds its registration and the M3 gateway has reported the reminder stop on `m3.outcomes`.
Times come from the log (ingress and outcome CreateTime) and from the partner sandbox's own
registration stamp, all on this machine's clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from workers.bench import kafka_io, services
from workers.bench.invoices import apply_world, encoded_invoices, m3_world
from workers.bench.memory import RssSampler
from workers.bench.stats import ratio
from workers.scenario.stack import Stack, start_stack, start_workers

PARTNERS = ("INTRUM", "SVEA")
REGISTERED = "REGISTRERT"
M3_CHUNK = 2_000


@dataclass
class Service:
    """The running service of the e2e and latency phases; `close()` stops and keeps nothing."""

    stack: Stack
    sampler: RssSampler
    watch: kafka_io.LogWatch
    startup_s: float
    done_partner: int = 0
    done_m3: int = 0
    notes: list[str] = field(default_factory=list)

    def topic(self, logical: str) -> str:
        return self.stack.settings.topic(logical)

    def progress(self) -> tuple[int, int]:
        partner = services.counters(self.stack, "partner-gateway").get("command_registered", 0)
        m3 = services.counters(self.stack, "m3-gateway").get("set_reminder_stop_ok", 0)
        return partner, m3

    def wait_done(self, total: int, timeout_s: float, what: str, report=print) -> None:
        def done() -> bool:
            self.done_partner, self.done_m3 = self.progress()
            return self.done_partner >= total and self.done_m3 >= total

        services.wait_until(done, self.stack, timeout_s, what, report=report, poll_s=0.5,
                            progress=lambda: f"{self.done_partner}/{total} registered, {self.done_m3}/{total} M3 stops")

    def registrations(self) -> dict[str, float]:
        """Case id → when the partner sandbox registered it (epoch ms, the sandbox's clock)."""
        state = httpx.get(f"{self.stack.partner_url}/_sandbox/state", timeout=120).json()
        found: dict[str, float] = {}
        for book in state["partners"].values():
            for case in book["cases"]:
                stamps = [h["recorded_at"] for h in case["history"] if h["status"] == REGISTERED]
                if stamps:
                    found[case["reference"]] = datetime.fromisoformat(stamps[0]).timestamp() * 1000
        return found

    def close(self) -> None:
        self.sampler.stop()
        self.watch.close()
        self.stack.stop()


def start(name: str, base_dir: Path, invoices: int, report=print) -> Service:
    stack = start_stack(name, PARTNERS, base_dir, partner_mode="scripted", naive=False, kind="bench")
    sampler = RssSampler(services.pids(stack)).__enter__()
    try:
        _load_m3(stack, invoices, apply_world(stack.settings))
        began = time.monotonic()
        start_workers(stack)
        startup_s = time.monotonic() - began
        report(f"    service up in {startup_s:.0f}s: topics {stack.settings.topic_prefix}*, logs in {stack.run_dir}")
        sampler.mark()
        return Service(stack, sampler, kafka_io.LogWatch(stack.settings), startup_s)
    except BaseException:
        sampler.stop()
        stack.stop()
        raise


def _load_m3(stack: Stack, invoices: int, config: dict[str, Any]) -> None:
    """The M3 sandbox learns the invoices in chunks (its HTTP body limit is 1 MiB)."""
    with httpx.Client(timeout=300) as http:
        for start in range(0, max(invoices, 1), M3_CHUNK):
            body = m3_world(min(M3_CHUNK, invoices - start), start, config=config) | {"reset": start == 0}
            http.post(f"{stack.m3_url}/_sandbox/load", json=body).raise_for_status()


def throughput(service: Service, n: int, report=print) -> dict[str, Any]:
    """Burst n invoices in and time them until the last is registered and its stop written."""
    kafka_io.preload(service.stack.settings, service.topic("ledger.overdue"), encoded_invoices(n))
    service.wait_done(n, timeout_s=max(300.0, n / 5), what=f"end to end N={n}", report=report)
    ingress = service.watch.span(service.topic("ledger.overdue"))
    outcomes = service.watch.span(service.topic("m3.outcomes"))
    registered = service.registrations()
    last = max(outcomes.last_ms or 0, max(registered.values(), default=0))
    seconds = (last - (ingress.first_ms or last)) / 1000
    service.sampler.sample()
    return {"n": n, "per_s": ratio(n, seconds), "seconds": round(seconds, 2), "registered": len(registered),
            "m3_outcomes": outcomes.count, "startup_s": round(service.startup_s, 1)}
