"""The whole service under load: end-to-end throughput, then latency at a fixed offered load.

One service (both sandboxes, all five workers) serves both measurements, so it starts once. The
broker's own latency is measured first, at the same rate and payload size, while nothing else
of the bench runs. When the offered rate is above the end-to-end rate just measured, the service
can only queue: the offer window is then shortened so the queue drains in about two minutes, and
the result says so (the percentiles are then queueing time, which is the honest answer), and a
second, informative point is measured at a quarter of the end-to-end rate: closer to the
latency of the path itself, with less of a queue in front of it (the partner sandbox and a
shared machine slow down as the run goes on, so half the burst rate is not yet "calm").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workers.bench import end_to_end, latency
from workers.bench.stats import nearest, ratio

OVERLOAD_DRAIN_S = 120.0
CALM_SECONDS = 30.0
CALM_SHARE = 0.25


def run(results: dict[str, Any], base, root: str, run_id: str, logs: Path, options, say) -> None:
    if options.latency_seconds:
        say(f"broker produce→consume latency at {options.latency_rate:g}/s for {options.latency_seconds:g} s …")
        results["latency"] = {"broker": latency.broker(base, f"{root}lat.broker", options.latency_rate,
                                                       options.latency_seconds)}
    latency_count = int(options.latency_rate * options.latency_seconds)
    calm_budget = int(options.latency_rate * CALM_SHARE * CALM_SECONDS) if options.latency_seconds else 0
    say("starting the service: both sandboxes and all five workers …")
    service = end_to_end.start(f"{run_id}-e2e", logs, options.e2e_n + latency_count + calm_budget, report=say)
    try:
        capacity = None
        if options.e2e_n:
            say(f"end to end: N={options.e2e_n:,} invoices in one burst …")
            e2e = end_to_end.throughput(service, options.e2e_n, report=say)
            reference = _baseline(results, options.e2e_n)
            e2e |= {"baseline_per_s": reference and reference["consume_produce_per_s"],
                    "ratio": ratio(e2e["per_s"], reference and reference["consume_produce_per_s"])}
            results["end_to_end"] = e2e
            capacity = e2e["per_s"]
        if options.latency_seconds:
            seconds, note = _window(options.latency_rate, options.latency_seconds, capacity)
            if note:
                say(f"note: {note}")
            say(f"latency: {options.latency_rate:g} invoices/s for {seconds:.0f} s through the service …")
            measured = latency.service(service, options.latency_rate, seconds, start=options.e2e_n, report=say)
            results["latency"]["service"] = measured | ({"overloaded": note} if note else {})
            spare = latency_count + calm_budget - measured["count"]
            if note and capacity and spare > 0:
                calm = round(capacity * CALM_SHARE, 1)
                calm_seconds = min(CALM_SECONDS, spare / calm)
                say(f"latency below saturation: {calm:g} invoices/s (a quarter of the measured rate) "
                    f"for {calm_seconds:.0f} s …")
                results["latency"]["below_capacity"] = latency.service(
                    service, calm, calm_seconds, start=options.e2e_n + measured["count"], report=say)
    finally:
        service.close()
        offered = sum((results.get("latency") or {}).get(k, {}).get("count", 0) for k in ("service", "below_capacity"))
        results["service_resources"] = {"n": options.e2e_n + offered, "memory": service.sampler.as_dict()}


def _window(rate: float, seconds: float, capacity: float | None) -> tuple[float, str | None]:
    if not capacity or rate <= capacity:
        return seconds, None
    shortened = min(seconds, max(5.0, OVERLOAD_DRAIN_S * capacity / rate))
    window = (f"offered for {shortened:.0f} s instead of {seconds:g} s so the queue drains in about "
              f"{OVERLOAD_DRAIN_S:.0f} s" if shortened < seconds else f"offered for the full {seconds:g} s")
    return shortened, (f"offered {rate:g}/s is above the measured end-to-end rate {capacity:.0f}/s: the service "
                       f"can only queue; {window}")


def _baseline(results: dict[str, Any], n: int) -> dict[str, Any] | None:
    sizes = [b["n"] for b in results.get("baseline", [])]
    if not sizes:
        return None
    closest = nearest(sizes, n)
    return next(b for b in results["baseline"] if b["n"] == closest)
