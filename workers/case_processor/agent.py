"""The case processor's faust edge: decode, decide, send, and only then save.

Outputs are sent and acknowledged by the broker *before* the case's new state is written, so a
state that includes an input implies that input's outputs are durable; a crash in between
re-processes the input from the old state and re-sends the same message ids (ARCHITECTURE §3).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from contracts import ContractError, RecheckDue, decode, encode, message_key, new_message
from workers.case_processor.decision import SOURCE, Context
from workers.case_processor.handlers import INPUT_TOPICS, decide
from workers.case_processor.handover import due_for_recheck
from workers.case_processor.state import CaseState
from workers.config_events.follower import LiveView, LiveViewService
from workers.infra.dead_letters import DeadLetterSink
from workers.infra.faust_app import create_app, declare_table_changelogs, raw_topic
from workers.infra.health import WorkerHealth, serve_health
from workers.infra.logs import get_logger
from workers.infra.settings import Settings

log = get_logger(__name__)
OUTPUT_TOPICS = ("case.events", "partner.commands", "m3.commands", "settlement.decisions", "case.rechecks")
RECHECK_NAMESPACE = uuid.UUID("6f1d7c2e-8a51-4c4b-9f0e-2d7b9a1e5c33")


def build(settings: Settings, *, web_port: int | None = None, in_memory_tables: bool = False) -> Any:
    app = create_app(SOURCE, settings, web_port=web_port, in_memory_tables=in_memory_tables)
    health = WorkerHealth(SOURCE)
    view = LiveView(settings)
    physical = {settings.topic(name): name for name in INPUT_TOPICS}
    inputs = app.topic(*physical, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    outputs = {name: raw_topic(app, settings, name) for name in OUTPUT_TOPICS}
    sinks = {name: DeadLetterSink(settings.topic(name), f"{name}.dlq", raw_topic(app, settings, f"{name}.dlq"), SOURCE)
             for name in INPUT_TOPICS}
    cases = app.Table("cases", key_type=bytes, value_type=bytes,
                      partitions=inputs.partitions)
    marker: dict[str, Any] = {"rechecked": None}
    if web_port is not None:
        serve_health(app, health, settings)

    app.add_dependency(LiveViewService(view))

    @app.task
    async def report_ready() -> None:
        await view.wait_loaded(timeout=120)
        health.ready = True

    @app.agent(inputs, concurrency=1)
    async def process(stream: Any) -> None:
        await view.wait_loaded(timeout=300)
        async for event in stream.events():
            message = event.message
            logical = physical[message.topic]
            try:
                envelope = decode(logical, message.value)
            except ContractError as error:
                await sinks[logical].send(message.partition, message.offset, message.key, message.value, str(error))
                health.count("dead_letters")
                continue
            key = envelope.case_id.encode()
            raw_state = cases.get(key)
            state = CaseState.from_bytes(raw_state) if raw_state else CaseState(case_id=envelope.case_id)
            decision = decide(state, envelope, Context(view.configuration, view.business_date()))
            pending = []
            for topic, output in decision.envelopes(envelope):
                pending.append(await outputs[topic].send(key=message_key(output), value=encode(topic, output)))
            for future in pending:
                await future
            if decision.state != state:
                cases[key] = decision.state.to_bytes()
            health.count("messages")
            health.count(f"in_{logical.replace('.', '_').replace('-', '_')}")

    @app.timer(interval=0.25)
    async def send_rechecks() -> None:
        """When the business date moves or the configuration changes, re-check deferred invoices."""
        if not health.ready:
            return
        today, positions = view.business_date(), dict(view.positions)
        current = (today, positions["config"])
        if marker["rechecked"] == current:
            return
        configuration = view.configuration
        unpaused = (lambda s: configuration is not None and _division_unpaused(configuration, s.case_id))
        sent = 0
        for key, raw in list(cases.items()):
            state = CaseState.from_bytes(raw)
            if due_for_recheck(state, today, unpaused):
                await _send_recheck(outputs["case.rechecks"], state.case_id, today, positions["config"],
                                    "clock" if state.deferral and state.deferral.waits_for == "date" else "config")
                sent += 1
        marker["rechecked"] = current
        health.business_date, health.config_version = today, positions["config"]
        if sent:
            log.info("rechecks_sent", count=sent, business_date=today.isoformat())

    declare_table_changelogs(app, settings)
    app.case_health = health  # type: ignore[attr-defined]
    app.case_view = view  # type: ignore[attr-defined]
    return app


def _division_unpaused(configuration: Any, case_id: str) -> bool:
    division = case_id.split("/")[1]
    link = configuration.division_link(division)
    return link is not None and not link.paused


async def _send_recheck(topic: Any, case_id: str, today: date, config_version: int, trigger: str) -> None:
    event_id = uuid.uuid5(RECHECK_NAMESPACE, f"{case_id}|{today.isoformat()}|{config_version}")
    envelope = new_message("case.recheck_due", RecheckDue(trigger=trigger, business_date=today,
                                                         config_version=config_version),
                           source=SOURCE, case_id=case_id, event_id=event_id)
    await topic.send(key=message_key(envelope), value=encode("case.rechecks", envelope))
