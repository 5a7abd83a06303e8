"""The M3 gateway's faust edge: read a command, carry it out in M3, report, and only then ack.

Acks are manual (`stream.noack()`): a command's offset becomes committable only after its
outcomes were acknowledged by the broker. A command waiting for a retry, or one abandoned when
the partition moved or the worker stopped, stays unacked, so it is read again — never dropped,
and never skipped by a commit of later offsets (faust commits only up to the first gap).
Each partition's commands run one at a time in partition order (a lane per partition,
`PartitionLanes`), so reminder stop 1, 2 and 9 of an invoice reach M3 in that order, while a
command waiting out a locked record in one partition does not hold up the others. Commands are
not batched per MI program.

`stream_wait_empty` is switched off for this worker: with it, a rebalance would wait for a
command that is retrying through an M3 outage; instead the runner hands the command back as soon
as the flow stops, and the next owner of the partition starts it again (every write is safe to
repeat).
"""

from __future__ import annotations

from typing import Any

from contracts import ContractError, Envelope, decode, encode, message_key
from workers.adapters.m3 import RetryPolicy, WriteOutcome
from workers.infra.dead_letters import DeadLetterSink
from workers.infra.faust_app import create_app, raw_topic
from workers.infra.health import WorkerHealth, serve_health
from workers.infra.logs import get_logger
from workers.infra.partition_lanes import PartitionLanes
from workers.infra.settings import Settings
from workers.m3_gateway.commands import CommandExecutor
from workers.m3_gateway.credentials import load_credentials
from workers.m3_gateway.outcomes import SOURCE, counter_name, outcome_messages
from workers.m3_gateway.retry_policy import Backoff
from workers.m3_gateway.runner import CommandRunner
from workers.m3_gateway.session import M3Session

log = get_logger(__name__)
COMMANDS, OUTCOMES = "m3.commands", "m3.outcomes"


def build(settings: Settings, *, web_port: int | None = None, in_memory_tables: bool = False,
          backoff: Backoff | None = None, mi_retry: RetryPolicy | None = None,
          http_timeout: float | None = None) -> Any:
    """The gateway app; raises `GatewayConfigError` when the .ionapi file is missing or unreadable.

    ``backoff`` (between tries of a command), ``mi_retry`` (inside one MI call) and
    ``http_timeout`` (default ``settings.m3_http_timeout_s``) have production defaults; tests pass
    shorter ones.
    """
    credentials = load_credentials(settings)
    backoff = backoff or Backoff()
    app = create_app(SOURCE, settings, web_port=web_port, in_memory_tables=in_memory_tables)
    app.conf.stream_wait_empty = False
    health = WorkerHealth(SOURCE)
    session = M3Session(credentials, case_info=settings.m3_case_info,
                        timeout=http_timeout or settings.m3_http_timeout_s,
                        mi_retry=mi_retry or RetryPolicy())
    commands = raw_topic(app, settings, COMMANDS)
    outcomes = raw_topic(app, settings, OUTCOMES)
    sink = DeadLetterSink(settings.topic(COMMANDS), f"{COMMANDS}.dlq", raw_topic(app, settings, f"{COMMANDS}.dlq"),
                          SOURCE)
    if web_port is not None:
        serve_health(app, health, settings)

    @app.task
    async def connect() -> None:
        await app.add_async_context(session)
        await session.wait_for_token(backoff)
        health.ready = True
        log.info("m3_gateway_ready", tenant=credentials.ti)

    @app.agent(commands, concurrency=1)
    async def execute(stream: Any) -> None:
        await session.wait_open()
        assert session.writer is not None and session.client is not None
        runner = CommandRunner(CommandExecutor.for_client(session.writer, session.client), health, backoff)
        manual = stream.noack()

        async def handle(event: Any) -> bool:
            message = event.message
            try:
                command = _decode(message.value)
            except ContractError as error:
                await sink.send(message.partition, message.offset, message.key, message.value, str(error))
                health.count("dead_letters")
                health.count("commands_failed")
                return True
            generation = message.generation_id
            owned = (lambda: app.flow_control.is_active() and app.consumer_generation_id == generation)
            if not owned():
                return False
            result = await runner.run(command, owned)
            if result is None:
                return False
            await _report(outcomes, command, result, health)
            return True

        lanes = PartitionLanes(handle, manual.ack)
        try:
            async for event in manual.events():
                await lanes.submit(event)
        finally:
            await lanes.close()

    app.m3_health = health  # type: ignore[attr-defined]
    app.m3_session = session  # type: ignore[attr-defined]
    return app


def _decode(value: bytes | None) -> Envelope:
    if value is None:
        raise ContractError("a message on m3.commands has no value (tombstone)")
    return decode(COMMANDS, value)


async def _report(topic: Any, command: Envelope, result: WriteOutcome, health: WorkerHealth) -> None:
    """Send the command's outcomes and wait until the broker has them all; in flight until then,
    so a worker that looks quiet has reported everything it did."""
    health.in_flight += 1
    try:
        pending = [await topic.send(key=message_key(o), value=encode(OUTCOMES, o))
                   for o in outcome_messages(command, result)]
        for future in pending:
            await future
    finally:
        health.in_flight -= 1
    health.count(counter_name(command.type, result))
    if not result.ok:
        health.count("commands_failed")
