"""Health, readiness, quiescence and operational signals of a worker, on its faust web port.

`GET /health` (open, for liveness/readiness probes) answers minimal JSON, 200 when ready and
503 before: whether the worker is ready (assigned, live view loaded), how many external
commands are in flight or waiting for a retry, and what business date and configuration
version it has acted on. The scenario runner waits on these to know the service is quiet.

`GET /metrics` (bearer token, see endpoint_auth.py) gives Prometheus text: readiness, commands
in flight / retrying / failed, every counter of the worker, and the consumer lag of each
partition assigned to the worker, computed at scrape time (high-water mark minus the group's
committed offset).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workers.infra.endpoint_auth import OperationsToken, guard_operations_endpoints
from workers.infra.logs import get_logger
from workers.infra.settings import Settings

log = get_logger(__name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LAG_TIMEOUT_S = 5.0
#: The counter every worker bumps when it gives a command up (refused for good, or dead-lettered).
FAILED = "commands_failed"
_HELP = {
    "dcs_worker_ready": "1 when the worker is assigned and has loaded its live view, else 0.",
    "dcs_commands_in_flight": "External commands (M3, partner, acknowledgements) being carried out now.",
    "dcs_commands_retrying": "Commands waiting for their next try after a transient failure.",
    f"dcs_{FAILED}_total": "Commands given up: refused for good by M3 or the partner, or dead-lettered.",
    "dcs_consumer_lag": "Messages on an assigned partition after the worker group's committed offset "
                        "(high-water mark minus committed), computed at scrape time.",
}
_NOT_A_NAME = re.compile(r"[^a-zA-Z0-9_]")

Lags = Mapping[tuple[str, int], int]


@dataclass
class WorkerHealth:
    worker: str
    ready: bool = False
    in_flight: int = 0
    retrying: int = 0
    business_date: date | None = None
    config_version: int = 0
    counters: Counter = field(default_factory=Counter)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def snapshot(self) -> dict[str, Any]:
        """The open /health answer: what probes and the scenario runner need, nothing more."""
        return {
            "worker": self.worker, "ready": self.ready, "in_flight": self.in_flight, "retrying": self.retrying,
            "business_date": self.business_date.isoformat() if self.business_date else None,
            "config_version": self.config_version,
        }

    def prometheus(self, lags: Lags | None = None) -> str:
        """Prometheus text format 0.0.4: one HELP and TYPE per family, escaped label values."""
        worker = {"worker": self.worker.replace("-", "_")}
        lines: list[str] = []
        _family(lines, "dcs_worker_ready", "gauge", [(worker, int(self.ready))])
        _family(lines, "dcs_commands_in_flight", "gauge", [(worker, self.in_flight)])
        _family(lines, "dcs_commands_retrying", "gauge", [(worker, self.retrying)])
        _family(lines, f"dcs_{FAILED}_total", "counter", [(worker, self.counters.get(FAILED, 0))])
        _family(lines, "dcs_consumer_lag", "gauge",
                [({**worker, "topic": topic, "partition": str(partition)}, lag)
                 for (topic, partition), lag in sorted((lags or {}).items())])
        counters: dict[str, int] = {}
        for key, value in self.counters.items():
            if key != FAILED:  # "a-b" and "a_b" would be one series: add them up
                name = _NOT_A_NAME.sub("_", key)
                counters[name] = counters.get(name, 0) + value
        for name, value in sorted(counters.items()):
            _family(lines, f"dcs_{name}_total", "counter", [(worker, value)],
                    help_text=f"Count of {name.replace('_', ' ')} since the worker started.")
        return "\n".join(lines) + "\n"


def _family(lines: list[str], name: str, kind: str, samples: list[tuple[dict[str, str], int | float]],
            help_text: str | None = None) -> None:
    lines.append(f"# HELP {name} {_escape_help(help_text or _HELP[name])}")
    lines.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        rendered = ",".join(f'{key}="{escape_label(str(label))}"' for key, label in labels.items())
        lines.append(f"{name}{{{rendered}}} {value}")


def escape_label(value: str) -> str:
    """A label value as the text format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


async def consumer_lags(app: Any, timeout: float = LAG_TIMEOUT_S) -> dict[tuple[str, int], int]:
    """Lag per (topic, partition) assigned to the app's consumer, table changelogs left out.

    High-water marks are asked from the broker now (`Consumer.highwaters`, a ListOffsets request).
    The committed offset is the one faust keeps for the group (`Consumer._committed_offset`: read
    from the broker when a partition is assigned, updated on every commit; None = nothing
    committed, then the partition's earliest offset counts, as `auto_offset_reset=earliest` reads
    from there). Empty when the consumer has not started or has nothing assigned, or the broker
    did not answer within `timeout`.
    """
    consumer = getattr(app, "_consumer", None)  # never create the consumer from a scrape
    if consumer is None:
        return {}
    try:
        changelogs = set(app.tables.changelog_topics)
        partitions = sorted((tp for tp in consumer.assignment() if tp.topic not in changelogs),
                            key=lambda tp: (tp.topic, tp.partition))
        if not partitions:
            return {}
        ends = await asyncio.wait_for(asyncio.shield(consumer.highwaters(*partitions)), timeout)
        committed_by_tp = getattr(consumer, "_committed_offset", {})
        committed = {tp: committed_by_tp.get(tp) for tp in partitions}
        unset = [tp for tp, offset in committed.items() if offset is None]
        starts = await asyncio.wait_for(asyncio.shield(consumer.earliest_offsets(*unset)), timeout) if unset else {}
    except asyncio.CancelledError:
        raise
    except Exception as error:  # not started yet, rebalancing, broker away: a scrape must still answer
        log.debug("consumer_lag_unavailable", error=type(error).__name__)
        return {}
    lags = {}
    for tp in partitions:
        end = ends.get(tp)
        if end is None:
            continue
        done = committed[tp] if committed[tp] is not None else (starts.get(tp) or 0)
        lags[(tp.topic, tp.partition)] = max(0, end - done)
    return lags


def serve_health(app: Any, health: WorkerHealth, settings: Settings) -> None:
    """Register /health (open) and /metrics (bearer token when configured; required in the
    production profile) on the faust app's web server, and guard the other operational routes."""
    from aiohttp import web

    token = OperationsToken.from_settings(settings)
    guard_operations_endpoints(app, token)

    @app.page("/health")
    async def _health(_self: Any, _request: Any) -> Any:
        return web.json_response(health.snapshot(), status=200 if health.ready else 503)

    @app.page("/metrics")
    async def _metrics(_self: Any, _request: Any) -> Any:
        text = health.prometheus(await consumer_lags(app))
        return web.Response(body=text.encode("utf-8"), headers={"Content-Type": PROMETHEUS_CONTENT_TYPE})
