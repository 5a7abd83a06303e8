"""Dead letters across every `*.dlq` topic, for a person to inspect and re-drive after a fix."""

from __future__ import annotations

from dataclasses import dataclass

from contracts import DeadLetter
from workers.infra.settings import Settings
from workers.infra.topic_io import read_all_to_end
from workers.infra.topic_map import load_topic_map


@dataclass(frozen=True)
class StoredLetter:
    dlq_topic: str
    letter: DeadLetter
    source: str
    """The source topic's logical name (the physical name without this deployment's prefix)."""

    @property
    def ref(self) -> str:
        """`source:partition:offset`, how `dcs dlq show/replay` name a letter."""
        return f"{self.source}:{self.letter.partition}:{self.letter.offset}"


def dead_letters(settings: Settings, source: str | None = None) -> list[StoredLetter]:
    """One entry per bad source record (a record dead-lettered twice is listed once)."""
    topics = [name for name in load_topic_map().topics
              if name.endswith(".dlq") and (not source or name == f"{source}.dlq")]
    by_physical = {settings.topic(name): name for name in topics}
    found: dict[str, StoredLetter] = {}
    for record in read_all_to_end(settings, topics):
        dlq = by_physical[record.topic]
        letter = record.envelope(dlq).payload
        stored = StoredLetter(dlq, letter, letter.source_topic.removeprefix(settings.topic_prefix))
        found.setdefault(stored.ref, stored)
    return list(found.values())
