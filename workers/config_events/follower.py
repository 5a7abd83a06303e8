"""Every worker instance follows the compacted `config` and `clock` topics from the beginning.

Not a consumer group: each instance needs the whole view, so it assigns itself every partition,
reads to the end offsets before it reports ready (agents wait for that), and then keeps
following, so a `dcs config apply` or a clock change reaches running workers without a restart.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from mode import Service

from contracts import ContractError, decode
from workers.config_events.clock import TENANT_ZONE
from workers.domain.configuration import Configuration, ConfigurationError, EntityKey, from_entities
from workers.infra.kafka_clients import aiokafka_options
from workers.infra.logs import get_logger
from workers.infra.settings import Settings

log = get_logger(__name__)


class LiveView:
    """The configuration and business date as of the latest record read."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._records: dict[EntityKey, dict[str, Any]] = {}
        self._configuration: Configuration | None = None
        self._clock: date | None = None
        self._loaded = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._consumer: Any = None
        self._dirty = False
        self.version = 0
        self.positions: dict[str, int] = {"config": 0, "clock": 0}
        """Offsets read so far per topic (summed over partitions): how far this view has caught up."""

    @property
    def configuration(self) -> Configuration | None:
        return self._configuration

    def business_date(self) -> date:
        return self._clock or datetime.now(TENANT_ZONE).date()

    async def wait_loaded(self, timeout: float = 60.0) -> None:
        await asyncio.wait_for(self._loaded.wait(), timeout)

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        topics = [self._settings.topic("config"), self._settings.topic("clock")]
        self._consumer = AIOKafkaConsumer(**aiokafka_options(self._settings), group_id=None,
                                          enable_auto_commit=False, auto_offset_reset="earliest")
        await self._consumer.start()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(self._consumer.partitions_for_topic(t) or {0})]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        end = await self._consumer.end_offsets(partitions)
        self._task = asyncio.create_task(self._follow(end))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer:
            await self._consumer.stop()

    async def _follow(self, end: dict) -> None:
        pending = {tp for tp, offset in end.items() if offset > 0}
        if not pending:
            self._loaded.set()
        while True:
            batch = await self._consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    self._apply(tp.topic, record.key, record.value)
                logical = "clock" if tp.topic == self._settings.topic("clock") else "config"
                self.positions[logical] = max(self.positions[logical], records[-1].offset + 1) if records else self.positions[logical]
            self._rebuild()
            for tp in list(pending):
                if await self._consumer.position(tp) >= end[tp]:
                    pending.discard(tp)
            if not pending and not self._loaded.is_set():
                self._loaded.set()
                log.info("live_view_loaded", entities=len(self._records), business_date=str(self._clock))

    def _apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        logical = "clock" if topic == self._settings.topic("clock") else "config"
        if value is None:
            return
        try:
            payload = decode(logical, value).payload
        except ContractError as error:
            log.warning("live_view_skipped_record", topic=topic, error=str(error)[:300])
            return
        if logical == "clock":
            self._clock = max(self._clock or payload.business_date, payload.business_date)
        elif payload.value is None:
            self._records.pop((payload.kind, payload.entity_id), None)
            self._dirty = True
        else:
            self._records[(payload.kind, payload.entity_id)] = payload.value
            self._dirty = True

    def _rebuild(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        try:
            self._configuration = from_entities(self._records) if self._records else None
            self.version += 1
        except ConfigurationError as error:
            log.error("live_view_invalid_configuration", error=str(error)[:500])


class LiveViewService(Service):
    """Starts and stops a LiveView with the faust app it belongs to (as a mode child service)."""

    def __init__(self, view: LiveView) -> None:
        super().__init__()
        self.view = view

    async def on_start(self) -> None:
        await self.view.start()

    async def on_stop(self) -> None:
        await self.view.stop()
