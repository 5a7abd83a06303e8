"""Reading `config` and `clock` in the command-line tools: the records that decode, in order.

A record that does not decode is skipped and logged at warning level with where it is and why
(never its bytes); the workers' live view dead-letters it (follower.py). Tombstones are
compaction clean-up, not messages, and are passed over silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from contracts import ContractError, Envelope
from workers.infra.logs import get_logger
from workers.infra.topic_io import Record

log = get_logger(__name__)


def decodable(records: Iterable[Record], logical_topic: str) -> Iterator[tuple[Record, Envelope]]:
    for record in records:
        if record.value is None:
            continue
        try:
            envelope = record.envelope(logical_topic)
        except ContractError as error:
            log.warning("skipped_undecodable_record", topic=record.topic, partition=record.partition,
                        offset=record.offset, error=str(error)[:300])
            continue
        yield record, envelope
