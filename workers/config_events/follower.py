"""Every worker instance follows the compacted `config` and `clock` topics from the beginning.

Not a consumer group: each instance needs the whole view, so it assigns itself every partition,
reads to the end offsets before it reports ready (agents wait for that), and then keeps
following, so a `dcs config apply` or a clock change reaches running workers without a restart.

Bad records never stop the view:

- a record that does not decode (junk, a near-miss of the contract) is skipped and dead-lettered
  to `config.dlq` / `clock.dlq` with the reason, topic, partition, offset, key and bytes;
- a record that decodes but makes the configuration invalid (a division whose partner does not
  exist) is *refused*: the view keeps that entity's last good value, applies every other change
  that validates without it (see `resolution.py`), logs the entity key and reason, lists it in
  `refusals`, and dead-letters the record once the refusal has lasted `refusal_grace_s` (a
  division read just before the new partner it names is refused only for a moment).

One dead letter per bad record, although every worker runs a live view: topics.yaml names
`all-workers` as the producers of both dead-letter topics, and no single worker is sure to run in
every deployment, so each view may write — but (1) a dead letter's event id is derived from the
source topic, partition and offset (`dead_letter_event_id`) and its key is
`topic:partition:offset`, as `DeadLetterSink` keys them, so copies are the same message and readers
(`dcs dlq`, the scenario result) list it once; (2) each view also follows the two dead-letter
topics and writes nothing for a record already on them, so a restart, which re-reads `config` and
`clock` from the beginning, re-sends nothing; (3) each view waits a random moment (up to
`jitter_s`) before writing and checks again, so views that read the same junk together rarely
both write it. A view that must not write (a tool, a test) passes ``dead_letters=False``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from mode import Service

from contracts import ContractError, decode, dead_letter_from, derived_event_id, encode, new_message
from workers.config_events.clock import TENANT_ZONE
from workers.config_events.resolution import entity_label, resolve
from workers.domain.configuration import Configuration, EntityKey
from workers.infra.kafka_clients import aiokafka_options
from workers.infra.logs import get_logger
from workers.infra.settings import Settings

log = get_logger(__name__)

LIVE_TOPICS = ("config", "clock")
DEAD_LETTER_ORIGIN = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debt-collection-service:live-view-dead-letter")
RETRY_WRITE_S = 5.0
WRITE_TIMEOUT_S = 30.0

Send = Callable[[str, bytes, bytes], Awaitable[None]]
"""(logical dead-letter topic, key, value) → sent and acknowledged."""


def dead_letter_event_id(physical_topic: str, partition: int, offset: int) -> UUID:
    """The same id for every dead letter of one source record, whichever view writes it."""
    return derived_event_id(DEAD_LETTER_ORIGIN, f"{physical_topic}:{partition}:{offset}")


@dataclass(frozen=True)
class Refusal:
    """A config record the view does not apply: the entity keeps its last good value."""

    entity: str
    partition: int
    offset: int
    reason: str


@dataclass(frozen=True)
class _Source:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    seq: int


@dataclass
class _Pending:
    logical: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    since: float
    delay: float
    """Written ``delay`` after ``since`` or after the view was loaded, whichever is later."""
    entity: EntityKey | None = None
    """Set for a refused entity: written only if the refusal of this very record still holds."""

    def due(self, loaded_at: float) -> float:
        return max(self.since, loaded_at) + self.delay


class LiveView:
    """The configuration and business date as of the latest record read."""

    def __init__(self, settings: Settings, *, dead_letters: bool = True, source: str = "live-view",
                 refusal_grace_s: float = 3.0, jitter_s: float = 2.0, send: Send | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._records: dict[EntityKey, dict[str, Any]] = {}
        self._sources: dict[EntityKey, _Source] = {}
        self._good: dict[EntityKey, dict[str, Any]] = {}
        self._refused: dict[EntityKey, Refusal] = {}
        self._reported: dict[EntityKey, Refusal] = {}
        self._reported_held: dict[str, str] = {}
        self._last_occurred_at: datetime | None = None
        self._loaded_at = float("-inf")
        self.held: dict[str, str] = {}
        """Changes waiting only because the configuration is invalid without a refused one (entity → why)."""
        self._configuration: Configuration | None = None
        self._clock: date | None = None
        self._loaded = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._consumer: Any = None
        self._producer: Any = None
        self._dirty = False
        self._seq = 0
        self._dead_letters = dead_letters
        self._source = source
        self._grace_s = refusal_grace_s
        self._jitter_s = jitter_s
        self._send = send or self._send_with_producer
        self._now = clock
        self._random = random.Random()
        self._pending: dict[str, _Pending] = {}
        self._lettered: set[str] = set()
        self._physical = {settings.topic(name): name for name in (*LIVE_TOPICS, *(f"{t}.dlq" for t in LIVE_TOPICS))}
        self.version = 0
        """Bumped whenever the configuration in force changes."""
        self.positions: dict[str, int] = {"config": 0, "clock": 0}
        """Offsets read so far per topic (summed over partitions): how far this view has caught up."""
        self.skipped = 0
        """Records that did not decode (each dead-lettered by some view)."""
        self.dead_letters_written = 0

    @property
    def configuration(self) -> Configuration | None:
        return self._configuration

    @property
    def refusals(self) -> dict[str, Refusal]:
        """Entities whose latest record is refused, by `kind/id` (for /health, logs and tests)."""
        return {refusal.entity: refusal for refusal in self._refused.values()}

    def business_date(self) -> date:
        return self._clock or datetime.now(TENANT_ZONE).date()

    async def wait_loaded(self, timeout: float = 60.0) -> None:
        await asyncio.wait_for(self._loaded.wait(), timeout)

    # ---- following the topics ------------------------------------------------------------------

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        self._consumer = AIOKafkaConsumer(**aiokafka_options(self._settings), group_id=None,
                                          enable_auto_commit=False, auto_offset_reset="earliest")
        await self._consumer.start()
        existing = await self._consumer.topics()  # fetches the metadata of every topic
        partitions = []
        for physical, logical in self._physical.items():
            if logical.endswith(".dlq") and not (self._dead_letters and physical in existing):
                if self._dead_letters:
                    log.warning("live_view_without_dead_letter_topic", topic=physical)
                continue
            known = self._consumer.partitions_for_topic(physical)
            partitions += [TopicPartition(physical, p) for p in sorted(known or {0})]
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
        if self._producer:
            await self._producer.stop()

    async def _follow(self, end: dict) -> None:
        pending = {tp for tp, offset in end.items() if offset > 0}
        while True:
            if not pending:
                self._guarded(self.rebuild)
                if not self._loaded.is_set():
                    self._loaded_at = self._now()
                    self._loaded.set()
                    log.info("live_view_loaded", entities=len(self._records), business_date=str(self._clock),
                             refused=sorted(self.refusals))
                await self.flush_dead_letters()  # only once loaded: the dead-letter topics are read by then
            batch = await self._consumer.getmany(timeout_ms=self._wait_ms(loaded=not pending))
            for tp, records in batch.items():
                logical = self._physical[tp.topic]
                for record in records:
                    self._guarded(self.take, logical, record.partition, record.offset, record.key, record.value)
                if records and logical in self.positions:
                    self.positions[logical] = max(self.positions[logical], records[-1].offset + 1)
            for tp in list(pending):
                if await self._consumer.position(tp) >= end[tp]:
                    pending.discard(tp)

    @staticmethod
    def _guarded(step: Callable[..., None], *args: Any) -> None:
        """A bug in handling one record must not end the view: every worker would stop following."""
        try:
            step(*args)
        except Exception:
            log.exception("live_view_step_failed", step=step.__name__, at=[str(a) for a in args[:3]])

    # ---- records in, configuration out (the follow loop calls these; tests feed them directly) ---

    def take(self, logical: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> None:
        """One record of `config`, `clock` or their dead-letter topics."""
        if logical.endswith(".dlq"):
            self._note_dead_letter(logical, value)
            return
        if value is None:
            return  # a tombstone: compaction clean-up of a key, not a message
        try:
            envelope = decode(logical, value)
        except ContractError as error:
            self.skipped += 1
            log.warning("live_view_skipped_record", topic=self._settings.topic(logical), partition=partition,
                        offset=offset, error=str(error)[:300])
            self._queue(_Pending(logical, partition, offset, key, value, str(error), self._now(), self._jitter()))
            return
        payload = envelope.payload
        if logical == "clock":
            self._clock = max(self._clock or payload.business_date, payload.business_date)
            return
        if self._dirty and envelope.occurred_at != self._last_occurred_at:
            self.rebuild(quiet=True)  # the records before this one are another apply: resolve them first
        self._last_occurred_at = envelope.occurred_at
        entity = (payload.kind, payload.entity_id)
        self._seq += 1
        self._sources[entity] = _Source(partition, offset, key, value, self._seq)
        if payload.value is None:
            self._records.pop(entity, None)
        else:
            self._records[entity] = payload.value
        self._dirty = True

    def rebuild(self, *, quiet: bool = False) -> None:
        """The configuration of the records read so far, minus refused changes (resolution.py).

        Each apply (the records of one `occurred_at`) is resolved on top of the ones before it as
        the records are taken, ``quiet``ly, so when a view catching up reads a refused value it
        knows the entity's last good value, as a view that was running all along does. What is
        refused or held is reported (logged, dead-letter queued) by a rebuild that is not quiet,
        once per refused record (`report_refusals`)."""
        if not self._dirty:
            return
        self._dirty = False
        newest_first = sorted(self._sources, key=lambda entity: -self._sources[entity].seq)
        result = resolve(self._records, self._good, newest_first)
        if result.configuration != self._configuration:
            self.version += 1
        self._configuration, self._good = result.configuration, result.records
        self._refused = {entity: Refusal(entity_label(entity), self._sources[entity].partition,
                                         self._sources[entity].offset, reason)
                         for entity, reason in result.refused.items()}
        self.held = {entity_label(entity): reason for entity, reason in result.held.items()}
        if not quiet:
            self.report_refusals()

    def report_refusals(self) -> None:
        """Log what is refused or held since the last report, and queue the refused records' dead letters."""
        for entity, refusal in self._refused.items():
            earlier = self._reported.get(entity)
            if earlier is not None and (earlier.partition, earlier.offset) == (refusal.partition, refusal.offset):
                continue
            log.error("live_view_refused_entity", entity=refusal.entity, partition=refusal.partition,
                      offset=refusal.offset, reason=refusal.reason[:500],
                      kept="its last good value" if entity in self._good else "left out")
            source = self._sources[entity]
            self._queue(_Pending("config", source.partition, source.offset, source.key, source.value,
                                 refusal.reason, self._now(), self._grace_s + self._jitter(), entity=entity))
        for entity in set(self._reported) - set(self._refused):
            log.info("live_view_refusal_lifted", entity=entity_label(entity))
        if self.held and self.held != self._reported_held:
            log.error("live_view_changes_held", entities=sorted(self.held),
                      reason=next(iter(self.held.values()))[:500])
        self._reported, self._reported_held = dict(self._refused), dict(self.held)

    # ---- dead letters ----------------------------------------------------------------------------

    async def flush_dead_letters(self) -> None:
        """Write the dead letters that are due and that no view has written yet."""
        if not self._dead_letters:
            self._pending.clear()
            return
        now = self._now()
        for ref, letter in list(self._pending.items()):
            reason = letter.reason
            if letter.entity is not None:
                refusal = self._refused.get(letter.entity)
                if refusal is None or (refusal.partition, refusal.offset) != (letter.partition, letter.offset):
                    del self._pending[ref]  # applied after all, or superseded by a newer record
                    continue
                kept = ("keeps its last good value" if letter.entity in self._good
                        else "is left out (no earlier valid value)")
                reason = f"configuration refused, {refusal.entity} {kept}: {refusal.reason}"
            if letter.due(self._loaded_at) > now:
                continue
            try:
                await self._write(ref, letter, reason)
            except Exception as error:  # the broker away: try again later, the view goes on
                log.warning("live_view_dead_letter_failed", ref=ref, error=f"{type(error).__name__}: {error}"[:300])
                letter.since, letter.delay = now, RETRY_WRITE_S
                return
            self._lettered.add(ref)
            del self._pending[ref]
            self.dead_letters_written += 1

    async def _write(self, ref: str, letter: _Pending, reason: str) -> None:
        physical = self._settings.topic(letter.logical)
        dead = dead_letter_from(physical, letter.partition, letter.offset, letter.key, letter.value, reason)
        envelope = new_message("dead_letter", dead, source=self._source, key=ref,
                               event_id=dead_letter_event_id(physical, letter.partition, letter.offset))
        dlq = f"{letter.logical}.dlq"
        await self._send(dlq, ref.encode(), encode(dlq, envelope))
        log.warning("dead_letter", topic=physical, partition=letter.partition, offset=letter.offset,
                    error=reason[:500])

    async def _send_with_producer(self, dlq: str, key: bytes, value: bytes) -> None:
        if self._producer is None:
            from aiokafka import AIOKafkaProducer

            producer = AIOKafkaProducer(**aiokafka_options(self._settings), acks="all")
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        await asyncio.wait_for(self._producer.send_and_wait(self._settings.topic(dlq), key=key, value=value),
                               WRITE_TIMEOUT_S)

    def _wait_ms(self, *, loaded: bool) -> int:
        """How long to wait for records: at most until the next dead letter is due."""
        if not loaded or not self._pending:
            return 500
        due = min(letter.due(self._loaded_at) for letter in self._pending.values())
        return max(10, min(500, int((due - self._now()) * 1000)))

    def _queue(self, letter: _Pending) -> None:
        ref = f"{self._settings.topic(letter.logical)}:{letter.partition}:{letter.offset}"
        if self._dead_letters and ref not in self._lettered:
            self._pending.setdefault(ref, letter)

    def _note_dead_letter(self, logical: str, value: bytes | None) -> None:
        """A dead letter on config.dlq / clock.dlq (by any view, or before a restart): not again."""
        try:
            letter = decode(logical, value).payload  # type: ignore[arg-type]
        except ContractError:
            return
        ref = f"{letter.source_topic}:{letter.partition}:{letter.offset}"
        self._lettered.add(ref)
        self._pending.pop(ref, None)

    def _jitter(self) -> float:
        return self._random.uniform(0, self._jitter_s) if self._jitter_s > 0 else 0.0


class LiveViewService(Service):
    """Starts and stops a LiveView with the faust app it belongs to (as a mode child service)."""

    def __init__(self, view: LiveView) -> None:
        super().__init__()
        self.view = view

    async def on_start(self) -> None:
        await self.view.start()

    async def on_stop(self) -> None:
        await self.view.stop()
