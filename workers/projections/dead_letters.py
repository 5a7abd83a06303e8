"""Dead letters across every `*.dlq` topic, for a person to inspect and re-drive after a fix.

A record on a dead-letter topic that is not itself a valid dead letter (junk written there by
hand or by a broken tool) does not stop the listing: it is listed as an *undecodable* entry named
by its own place, ``<x>.dlq:partition:offset``, with the reason it did not decode and the length
and SHA-256 of its bytes. The bytes themselves are not kept in the entry (``truncated``), so
``dcs dlq replay`` refuses it like a truncated letter instead of writing junk back anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts import ContractError, DeadLetter, dead_letter_from
from workers.infra.logs import get_logger
from workers.infra.settings import Settings
from workers.infra.topic_io import Record, read_all_to_end
from workers.infra.topic_map import load_topic_map

log = get_logger(__name__)
UNDECODABLE = "undecodable dead-letter record"


@dataclass(frozen=True)
class StoredLetter:
    dlq_topic: str
    letter: DeadLetter
    source: str
    """The source topic's logical name (the physical name without this deployment's prefix); for
    an undecodable record, the dead-letter topic itself."""
    undecodable: bool = False
    """The record on the dead-letter topic is not a dead letter; ``letter`` describes that record."""

    @property
    def ref(self) -> str:
        """`source:partition:offset`, how `dcs dlq show/replay` name a letter."""
        return f"{self.source}:{self.letter.partition}:{self.letter.offset}"


def dead_letters(settings: Settings, source: str | None = None) -> list[StoredLetter]:
    """One entry per bad source record (a record dead-lettered twice is listed once), and one per
    record of a dead-letter topic that does not decode."""
    topics = [name for name in load_topic_map().topics
              if name.endswith(".dlq") and (not source or name == f"{source}.dlq")]
    by_physical = {settings.topic(name): name for name in topics}
    found: dict[str, StoredLetter] = {}
    for record in read_all_to_end(settings, topics):
        dlq = by_physical[record.topic]
        try:
            letter = record.envelope(dlq).payload
        except ContractError as error:
            stored = _undecodable(dlq, record, error)
        else:
            stored = StoredLetter(dlq, letter, letter.source_topic.removeprefix(settings.topic_prefix))
        found.setdefault(stored.ref, stored)
    return list(found.values())


def _undecodable(dlq: str, record: Record, error: ContractError) -> StoredLetter:
    log.warning("dead_letter_topic_record_undecodable", topic=record.topic, partition=record.partition,
                offset=record.offset, error=str(error)[:300])
    whole = dead_letter_from(record.topic, record.partition, record.offset, record.key, record.value,
                             f"{UNDECODABLE}: {error}",
                             failed_at=datetime.fromtimestamp(record.timestamp_ms / 1000, UTC))
    letter = whole.model_copy(update={"raw_base64": "", "truncated": True})
    return StoredLetter(dlq, letter, dlq, undecodable=True)
