"""Every worker of the service, by name: what `dcs worker NAME` runs and the e2e tests start.

Each entry points at a `build(settings, *, web_port=None, ...) -> faust.App` function, imported
only when that worker starts. The offsets give each worker its own web port (health, metrics,
and for the ingress workers their HTTP endpoints) above `web_port_base`.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

from workers.infra.settings import Settings


class WorkerSpec(NamedTuple):
    builder: str
    port_offset: int


WORKERS: dict[str, WorkerSpec] = {
    "case-processor": WorkerSpec("workers.case_processor.agent:build", 0),
    "m3-ingress": WorkerSpec("workers.m3_ingress.app:build", 1),
    "m3-gateway": WorkerSpec("workers.m3_gateway.app:build", 2),
    "partner-gateway": WorkerSpec("workers.partner_gateway.app:build", 3),
    "settlement": WorkerSpec("workers.settlement.app:build", 4),
}


def build_worker(name: str, settings: Settings, **options: Any) -> Any:
    try:
        spec = WORKERS[name]
    except KeyError:
        raise ValueError(f"unknown worker {name!r}; known: {', '.join(sorted(WORKERS))}") from None
    module, function = spec.builder.split(":")
    return getattr(importlib.import_module(module), function)(settings, **options)


def web_port(name: str, settings: Settings) -> int:
    return settings.web_port_base + WORKERS[name].port_offset
