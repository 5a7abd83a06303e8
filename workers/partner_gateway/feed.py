"""Read what changed at a partner and publish it: the work behind every webhook and poll.

A webhook never tells us *what* changed (and is not trusted to): we read the partner's delta
status feed from our stored cursor, resolve each entry to our case id — by the reference the
partner echoes, else through the case-number index, else it is held until the index learns the
number — publish, wait for the broker's acknowledgement, and only then store the new cursor,
index entries and held entries. A failed read or publish changes nothing, so the next webhook,
the partner's retry or the next poll reads the same entries again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.identity import CASE_ID_PATTERN
from workers.adapters.partner import CaseIndexConflict, StatusChange
from workers.infra.health import WorkerHealth
from workers.infra.logs import get_logger
from workers.partner_gateway.clients import PartnerClients
from workers.partner_gateway.connection import PartnerSetupError
from workers.partner_gateway.feed_state import FeedBatch, FeedState
from workers.partner_gateway.publishing import NotAcknowledged, Outgoing, Publisher, feed_dead_letter
from workers.partner_gateway.retrying import TRANSIENT
from workers.partner_gateway.settlements import cursor_key, read_settlements
from workers.partner_gateway.status_events import Problem, messages_for

log = get_logger(__name__)
STATUS_TOPIC = "partner.case-status"


@dataclass(frozen=True)
class PullResult:
    ok: bool
    published: int = 0
    reason: str | None = None


class FeedReader:
    """Turns a batch of feed entries into messages, staging index and held-entry changes."""

    def __init__(self, batch: FeedBatch, health: WorkerHealth) -> None:
        self.batch = batch
        self.partner = batch.partner
        self.health = health
        self.out: list[Outgoing] = []

    def read(self, change: StatusChange) -> None:
        reference, case_no = change.reference, change.case_no
        if reference and not re.fullmatch(CASE_ID_PATTERN, reference):
            return self._problem(Problem(change, f"reference {reference!r} is not one of our case ids"))
        case_id = reference or (self.batch.case_id(case_no) if case_no else None)
        if case_id is None:
            if not case_no:
                return self._problem(Problem(change, "entry names neither our reference nor a case number"))
            self.batch.hold(change)
            self.health.count("feed_held")
            log.info("status_held", partner=self.partner, case_no=case_no, event_id=change.event_id)
            return None
        new_case_no = False
        if case_no and change.status != "rejected":
            try:
                new_case_no = self.batch.bind(case_no, case_id)
            except CaseIndexConflict as conflict:
                return self._problem(Problem(change, str(conflict)))
        self._emit(change, case_id, new_case_no=new_case_no)
        if new_case_no:
            for waiting in self.batch.release(case_no or ""):
                self.health.count("feed_released")
                self._emit(waiting, case_id, new_case_no=False)
        return None

    def _emit(self, change: StatusChange, case_id: str, *, new_case_no: bool) -> None:
        try:
            result = messages_for(self.partner, change, case_id, new_case_no=new_case_no)
        except ValueError as error:  # partner data our contracts refuse (ContractError, ValidationError)
            result = Problem(change, f"entry does not fit our contracts: {str(error)[:500]}")
        if isinstance(result, Problem):
            return self._problem(result)
        self.out.extend((STATUS_TOPIC, message) for message in result)
        return None

    def _problem(self, problem: Problem) -> None:
        self.health.count("feed_dead_letters")
        log.error("status_dead_lettered", partner=self.partner, event_id=problem.change.event_id,
                  reason=problem.reason[:300])
        self.out.append(feed_dead_letter(self.partner, problem))


class FeedPuller:
    def __init__(self, clients: PartnerClients, state: FeedState, publisher: Publisher, health: WorkerHealth) -> None:
        self.clients = clients
        self.state = state
        self.publisher = publisher
        self.health = health

    async def pull(self, partner: str) -> PullResult:
        """Read, publish, then remember; never raises for partner or broker trouble."""
        self.health.count("feed_pulls")
        try:
            client = self.clients.get(partner)
            changes, cursor = await client.status_changes(since=self.state.cursor(partner))
            reader = FeedReader(FeedBatch(self.state, partner), self.health)
            for change in changes:
                reader.read(change)
            await self.publisher.publish(reader.out)
            payouts, settlement_cursor = await read_settlements(client, self.state, partner)
            await self.publisher.publish(payouts)
        except (*TRANSIENT, PartnerSetupError, NotAcknowledged) as error:
            self.health.count("feed_pull_failures")
            reason = f"{type(error).__name__}: {error}"[:300]
            log.warning("feed_pull_failed", partner=partner, error=reason)
            return PullResult(False, reason=reason)
        reader.batch.commit(cursor)
        if settlement_cursor is not None and settlement_cursor != self.state.cursor(cursor_key(partner)):
            self.state.cursors[cursor_key(partner).encode()] = settlement_cursor.encode()
        self.health.count("settlements_published", len(payouts))
        published = sum(1 for topic, _ in reader.out if topic == STATUS_TOPIC)
        self.health.count("feed_messages", published)
        if changes:
            log.info("feed_read", partner=partner, entries=len(changes), published=published, cursor=cursor)
        return PullResult(True, published)

