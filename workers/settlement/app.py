"""The settlement worker: the splitter (partner.remittance → lines) and the aggregator
(settlement.decisions → one statement per division), each the sole owner of its table.

A settlement id seen before under another event id is dropped whole: not re-validated, not a
discrepancy; counted and logged as a duplicate. The same event re-delivered re-sends the same
outputs (same derived ids), because outputs are acknowledged before the table is written.
"""

from __future__ import annotations

from typing import Any

from contracts import ContractError, Envelope, decode, encode, message_key, new_message
from workers.infra.dead_letters import DeadLetterSink
from workers.infra.faust_app import create_app, declare_table_changelogs, raw_topic
from workers.infra.health import WorkerHealth, serve_health
from workers.infra.logs import get_logger
from workers.infra.settings import Settings
from workers.settlement.split import split
from workers.settlement.statements import SettlementProgress, statements

log = get_logger(__name__)
SOURCE = "settlement"


def build(settings: Settings, *, web_port: int | None = None, in_memory_tables: bool = False) -> Any:
    app = create_app(SOURCE, settings, web_port=web_port, in_memory_tables=in_memory_tables)
    health = WorkerHealth(SOURCE, ready=True)
    if web_port is not None:
        serve_health(app, health, settings)
    topics = {name: raw_topic(app, settings, name) for name in
              ("partner.remittance", "settlement.decisions", "settlement.lines", "m3.commands")}
    sinks = {name: DeadLetterSink(settings.topic(name), f"{name}.dlq", raw_topic(app, settings, f"{name}.dlq"), SOURCE)
             for name in ("partner.remittance", "settlement.decisions")}
    received = app.Table("settlements-received", key_type=bytes, value_type=bytes,
                         partitions=topics["partner.remittance"].partitions)
    progress = app.Table("settlements-progress", key_type=bytes, value_type=bytes,
                         partitions=topics["settlement.decisions"].partitions)

    async def send_all(cause: Envelope, outputs: list) -> None:
        pending = []
        for index, (topic, payload) in enumerate(outputs):
            envelope = new_message(payload.message_type, payload, source=SOURCE, cause=cause,
                                   purpose=f"{index}:{payload.message_type}")
            pending.append(await topics[topic].send(key=message_key(envelope), value=encode(topic, envelope)))
        for future in pending:
            await future

    async def decoded(stream: Any, logical: str):
        async for event in stream.events():
            message = event.message
            try:
                yield decode(logical, message.value)
            except ContractError as error:
                await sinks[logical].send(message.partition, message.offset, message.key, message.value, str(error))
                health.count("dead_letters")

    @app.agent(topics["partner.remittance"], concurrency=1)
    async def splitter(stream: Any) -> None:
        async for envelope in decoded(stream, "partner.remittance"):
            settlement = envelope.payload
            key = settlement.settlement_id.encode()
            first_event = received.get(key)
            if first_event is not None and first_event != str(envelope.event_id).encode():
                health.count("duplicate_settlements")
                log.warning("settlement_duplicate_dropped", settlement=settlement.settlement_id)
                continue
            outputs, unmatched = split(settlement)
            if unmatched:
                health.count("unmatched_lines", len(unmatched))
                log.error("settlement_lines_without_case", settlement=settlement.settlement_id, count=len(unmatched))
            await send_all(envelope, outputs)
            received[key] = str(envelope.event_id).encode()
            health.count("settlements")

    @app.agent(topics["settlement.decisions"], concurrency=1)
    async def aggregator(stream: Any) -> None:
        async for envelope in decoded(stream, "settlement.decisions"):
            key = envelope.key.encode()
            raw = progress.get(key)
            state = SettlementProgress.model_validate_json(raw) if raw else SettlementProgress()
            if state.posted:
                continue
            payload = envelope.payload
            state = state.with_expected(payload) if envelope.type == "settlement.expected" else state.with_decision(payload)
            if state.complete:
                await send_all(envelope, [("m3.commands", command) for command in statements(state)])
                state = state.model_copy(update={"posted": True})
                health.count("statements_requested")
            progress[key] = state.model_dump_json().encode()

    declare_table_changelogs(app, settings)
    return app
