"""The M3 ingress worker: where M3 hands us overdue invoices and postings (faust wiring only).

HTTP on the faust web port (bearer token required):
  POST /ingress/m3/overdue    canonical `ledger.invoice_overdue` payload(s), from a MEC/ION mapping
  POST /ingress/m3/payments   canonical `m3.posting_booked` payload(s)
  POST /ingress/m3/events     CMS049 FSLEDG table events (also accepted on /ingress/m3)
  GET  /health, /metrics
and, when `m3_poll_interval_s` > 0, a timer that polls ARS200MI for what events missed.
Everything lands on `ledger.overdue` / `m3.payments`, keyed by case id, acknowledged before 2xx.
See docs/m3-ingress.md.
"""

from __future__ import annotations

from typing import Any

import faust

from workers.config_events.follower import LiveView, LiveViewService
from workers.infra.faust_app import create_app, raw_topic
from workers.infra.health import WorkerHealth, serve_health
from workers.infra.logs import get_logger
from workers.infra.settings import Settings
from workers.m3_ingress.auth import BearerToken, IngressNotConfigured
from workers.m3_ingress.endpoints import Endpoints
from workers.m3_ingress.fsledg_reception import FsledgReception
from workers.m3_ingress.m3_connection import M3Connection
from workers.m3_ingress.messages import SOURCE
from workers.m3_ingress.poller import Poller, poll_divisions
from workers.m3_ingress.publisher import Publisher

log = get_logger(__name__)
OUTPUT_TOPICS = ("ledger.overdue", "m3.payments")
ROUTES = {"/ingress/m3/overdue": "overdue", "/ingress/m3/payments": "payments",
          "/ingress/m3/events": "events", "/ingress/m3": "events"}
LOAD_TIMEOUT_S = 300.0


def build(settings: Settings, *, web_port: int | None = None, in_memory_tables: bool = False) -> faust.App:
    """`in_memory_tables` is accepted for the common worker signature; this worker has no tables."""
    token = BearerToken.from_settings(settings)
    m3 = M3Connection(settings.m3_ionapi_file)
    if settings.m3_poll_interval_s > 0 and not m3.configured:
        raise IngressNotConfigured("the ARS200MI poller (DCS_M3_POLL_INTERVAL_S > 0) needs DCS_M3_IONAPI_FILE")
    app = create_app(SOURCE, settings, web_port=web_port, in_memory_tables=in_memory_tables)
    health = WorkerHealth(SOURCE)
    view = LiveView(settings)
    app.add_dependency(LiveViewService(view))
    app.add_dependency(m3)
    publisher = Publisher({name: raw_topic(app, settings, name) for name in OUTPUT_TOPICS})
    reception = FsledgReception(m3)
    poller = Poller(poll_divisions(settings.m3_poll_divisions), view, m3, reception, publisher, health)

    if web_port is not None:
        serve_health(app, health, settings)
        endpoints = Endpoints(token, view, health, publisher, reception, settings.ingress_max_body_bytes)
        for path, name in ROUTES.items():
            _post_page(app, path, getattr(endpoints, name))

    @app.task
    async def report_ready() -> None:
        await view.wait_loaded(timeout=LOAD_TIMEOUT_S)
        health.ready = True

    if settings.m3_poll_interval_s > 0:
        @app.timer(interval=settings.m3_poll_interval_s)
        async def poll_m3_ledger() -> None:
            if not health.ready:
                return
            try:
                await poller.poll_once()
            except Exception as error:  # the timer must outlive an M3 or Kafka outage
                health.count("m3_poll_failures")
                log.warning("m3_poll_failed", error=f"{type(error).__name__}: {str(error)[:300]}")

    app.ingress_health = health  # type: ignore[attr-defined]
    app.ingress_view = view  # type: ignore[attr-defined]
    app.m3_poller = poller  # type: ignore[attr-defined]
    return app


def _post_page(app: faust.App, path: str, handle: Any) -> None:
    class Page(faust.web.View):
        async def post(self, request: Any) -> Any:
            return await handle(request)

    app.page(path, name=f"m3_ingress{path.replace('/', '_')}")(Page)
