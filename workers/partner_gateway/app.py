"""The partner gateway's faust app: commands out, answers and statuses in, health on the side.

- agent ``handle_commands`` on ``partner.commands``: a lane per partition (``PartitionLanes``),
  so a partition's commands run in order and are acked in order, while one partner call waiting
  out a 503 does not hold up the other partitions; invalid ones to ``partner.commands.dlq``,
  the partition goes on;
- agent ``read_partner_feeds`` on ``partner.feed-reads``: reads a partner's delta status feed
  and keeps the cursor, case-number index and held entries in changelogged tables;
- ``POST /webhooks/partners/{partner}`` and a timer every ``partner_poll_interval_s`` (0 = off)
  that ask for feed reads; ``/health`` and ``/metrics``.
"""

from __future__ import annotations

import time
from typing import Any

from contracts import ContractError, decode
from workers.config_events.follower import LiveView, LiveViewService
from workers.infra.dead_letters import DeadLetterSink
from workers.infra.faust_app import create_app, declare_table_changelogs, raw_topic
from workers.infra.health import WorkerHealth, serve_health
from workers.infra.logs import get_logger
from workers.infra.partition_lanes import PartitionLanes
from workers.infra.settings import Settings
from workers.partner_gateway.clients import PartnerClients
from workers.partner_gateway.command_runner import CommandRunner
from workers.partner_gateway.feed import FeedPuller, PullResult
from workers.partner_gateway.feed_state import FeedState
from workers.partner_gateway.options import GatewayOptions
from workers.partner_gateway.publishing import FEED_DLQ, Publisher
from workers.partner_gateway.pulls import PullRequest, PullRequests, ReadCoverage
from workers.partner_gateway.webhook import WebhookReceiver

log = get_logger(__name__)
WORKER = "partner-gateway"


def build(settings: Settings, *, web_port: int | None = None, in_memory_tables: bool = False,
          options: GatewayOptions | None = None) -> Any:
    options = options or GatewayOptions(http_timeout_s=settings.partner_http_timeout_s)
    settings.partner_base_urls()  # a malformed DCS_PARTNER_URLS stops the start, naming the entry
    app = create_app(WORKER, settings, web_port=web_port, in_memory_tables=in_memory_tables)
    health, view = WorkerHealth(WORKER), LiveView(settings)
    commands = raw_topic(app, settings, "partner.commands")
    sink = DeadLetterSink(settings.topic("partner.commands"), "partner.commands.dlq",
                          raw_topic(app, settings, "partner.commands.dlq"), WORKER)
    outputs = {name: raw_topic(app, settings, name) for name in ("partner.case-status", "partner.remittance", FEED_DLQ)}
    partitions = commands.partitions
    pull_topic = raw_topic(app, settings, "partner.feed-reads")
    state = FeedState(*(app.Table(name, key_type=bytes, value_type=bytes, partitions=partitions)
                        for name in ("partner-cursors", "case-numbers", "held-status-events")))
    clients = PartnerClients(settings, view, options)
    publisher = Publisher(outputs, options.ack_timeout_s)
    runner = CommandRunner(clients, publisher, health, options)
    puller = FeedPuller(clients, state, publisher, health)
    pulls = PullRequests(pull_topic, health)
    coverage = ReadCoverage()

    async def pull_for_webhook(partner: str) -> Any:
        return await pulls.pull(partner, origin="webhook", timeout_s=options.pull_wait_s)

    receiver = WebhookReceiver(clients, pull_for_webhook, health, options)

    app.add_dependency(LiveViewService(view))

    @app.task
    async def report_ready() -> None:
        await view.wait_loaded(timeout=120)
        health.ready = True

    @app.agent(commands, concurrency=1)
    async def handle_commands(stream: Any) -> None:
        await view.wait_loaded(timeout=300)
        manual = stream.noack()

        async def handle(event: Any) -> bool:
            message = event.message
            try:
                envelope = decode("partner.commands", message.value)
            except ContractError as error:
                await sink.send(message.partition, message.offset, message.key, message.value, str(error))
                health.count("commands_failed")
                return True
            health.in_flight += 1
            try:
                await runner.run(envelope)
            except Exception as error:  # a bug in one command must not stop the partition
                await sink.send(message.partition, message.offset, message.key, message.value,
                                f"partner gateway failed: {type(error).__name__}: {error}")
                health.count("command_errors")
                health.count("commands_failed")
            finally:
                health.in_flight -= 1
            return True

        lanes = PartitionLanes(handle, manual.ack)
        try:
            async for event in manual.events():
                await lanes.submit(event)
        finally:
            await lanes.close()

    @app.agent(pull_topic, concurrency=1)
    async def read_partner_feeds(stream: Any) -> None:
        await view.wait_loaded(timeout=300)
        async for event in stream.events():
            request = PullRequest.from_bytes(event.message.value)
            if request is None:
                log.warning("pull_request_unreadable", offset=event.message.offset)
                continue
            covered = coverage.covering(request.partner, event.message.timestamp)
            if covered is not None:
                pulls.report(request, covered)
                health.count("feed_reads_coalesced")
                continue
            unattended = not pulls.awaited(request)
            health.in_flight += unattended
            started = time.time()
            try:
                result = await puller.pull(request.partner)
            except Exception as error:  # a bug must not stop every later feed read
                log.exception("feed_pull_crashed", partner=request.partner)
                result = PullResult(False, reason=f"{type(error).__name__}: {error}"[:300])
            finally:
                health.in_flight -= unattended
            coverage.read(request.partner, started, result)
            pulls.report(request, result)

    @app.timer(interval=1.0)
    async def mirror_live_view() -> None:
        """/health says which business date and configuration the gateway is acting on."""
        if health.ready:
            health.business_date, health.config_version = view.business_date(), view.positions["config"]

    if settings.partner_poll_interval_s > 0:
        @app.timer(interval=settings.partner_poll_interval_s)
        async def poll_partner_feeds() -> None:
            """The safety net for lost webhooks: read every reachable partner's feed."""
            if not health.ready:
                return
            for partner in clients.reachable_partners():
                await pulls.pull(partner, origin="poll", timeout_s=options.pull_wait_s)

    if web_port is not None:
        serve_health(app, health, settings)
        _serve_webhooks(app, receiver)

    @app.on_before_shutdown.connect
    async def close_connections(_app: Any, **_kwargs: Any) -> None:
        await clients.aclose()

    declare_table_changelogs(app, settings)
    app.gateway_health = health  # type: ignore[attr-defined]
    app.gateway_view = view  # type: ignore[attr-defined]
    return app


def _serve_webhooks(app: Any, receiver: WebhookReceiver) -> None:
    from aiohttp import web
    from faust.web import View

    @app.page("/webhooks/partners/{partner}")
    class PartnerWebhook(View):
        async def post(self, request: Any, partner: str) -> Any:
            answer = await receiver.receive_request(partner, request.headers, request.content_length,
                                                    request.content)
            return web.json_response(answer.body, status=answer.status)
