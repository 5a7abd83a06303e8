"""Health, readiness and quiescence of a worker, served on its faust web port.

`GET /health` answers JSON: whether the worker is ready (assigned, live view loaded), how many
external commands are in flight or waiting for a retry, and what business date and
configuration version it has acted on. The scenario runner waits on these to know the service
is quiet; operators and probes read the same endpoint. `GET /metrics` gives the counters in
Prometheus text format.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
        return {
            "worker": self.worker, "ready": self.ready, "in_flight": self.in_flight, "retrying": self.retrying,
            "business_date": self.business_date.isoformat() if self.business_date else None,
            "config_version": self.config_version, "counters": dict(self.counters),
        }

    def prometheus(self) -> str:
        name = self.worker.replace("-", "_")
        lines = [
            f'dcs_worker_ready{{worker="{name}"}} {int(self.ready)}',
            f'dcs_commands_in_flight{{worker="{name}"}} {self.in_flight}',
            f'dcs_commands_retrying{{worker="{name}"}} {self.retrying}',
        ]
        lines += [f'dcs_{key}_total{{worker="{name}"}} {value}' for key, value in sorted(self.counters.items())]
        return "\n".join(lines) + "\n"


def serve_health(app: Any, health: WorkerHealth) -> None:
    """Register /health and /metrics on the faust app's web server."""
    from aiohttp import web

    @app.page("/health")
    async def _health(_self: Any, _request: Any) -> Any:
        return web.json_response(health.snapshot(), status=200 if health.ready else 503)

    @app.page("/metrics")
    async def _metrics(_self: Any, _request: Any) -> Any:
        return web.Response(text=health.prometheus(), content_type="text/plain")
