"""Partner gateway: feed entries → messages, the case-number index, held entries and the cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts import Envelope, decode, encode
from workers.adapters.partner import StatusChange, StatusMapping
from workers.adapters.partner.wire import status_change
from workers.infra.health import WorkerHealth
from workers.partner_gateway.feed import FeedPuller
from workers.partner_gateway.feed_state import FeedState
from workers.partner_gateway.publishing import NotAcknowledged
from workers.partner_gateway.status_events import Problem, message_id, messages_for

CASE = "100/001/252005046/2025"
AT = datetime(2026, 2, 21, 9, 30, tzinfo=UTC)


def entry(event_id: str, raw: str, *, case_no: str | None = "13563917", reference: str | None = CASE,
          sub: str | None = None, reason: str | None = None) -> StatusChange:
    """A feed entry parsed the way the adapter parses the partner's JSON."""
    return status_change({"event_id": event_id, "case_no": case_no, "reference": reference, "status": raw,
                          "sub_status": sub, "occurred_at": AT.isoformat(), "reason": reason},
                         StatusMapping(partner="INTRUM"))


def test_a_receipt_comes_first_then_the_status_with_the_partners_time():
    receipt, status = messages_for("INTRUM", entry("e-1", "MOTTATT"), CASE, new_case_no=True)
    assert receipt.type == "partner.registration_accepted" and receipt.case_id == CASE
    assert (receipt.payload.case_no, receipt.payload.our_reference, receipt.payload.at) == ("13563917", CASE, AT)
    assert status.type == "partner.status_changed" and status.payload.status == "acknowledged"
    assert (status.payload.raw_status, status.payload.at, status.occurred_at) == ("MOTTATT", AT, AT)
    for message in (receipt, status):
        assert decode("partner.case-status", encode("partner.case-status", message)) == message


def test_a_known_case_number_gives_the_status_alone_with_raw_and_sub_status():
    (status,) = messages_for("INTRUM", entry("e-2", "INKASSO", sub="BETALINGSOPPFORDRING"), CASE, new_case_no=False)
    assert (status.payload.status, status.payload.raw_status, status.payload.raw_sub_status) == (
        "collection", "INKASSO", "BETALINGSOPPFORDRING")


def test_a_rejection_carries_the_partners_reason():
    (rejected,) = messages_for("INTRUM", entry("e-3", "AVVIST", case_no=None, reason="debtor deceased"), CASE,
                               new_case_no=False)
    assert rejected.type == "partner.registration_rejected" and rejected.case_id == CASE
    assert rejected.payload.reason == "debtor deceased"


def test_registered_without_a_number_says_nothing_and_an_unmapped_word_is_a_problem():
    assert messages_for("INTRUM", entry("e-4", "REGISTRERT", case_no=None), CASE, new_case_no=False) == []
    problem = messages_for("INTRUM", entry("e-5", "OVERVAKING"), CASE, new_case_no=False)
    assert isinstance(problem, Problem) and "OVERVAKING" in problem.reason and "status_mapping" in problem.reason


def test_ids_derive_from_partner_and_event_id_so_a_reread_repeats_them():
    first = messages_for("INTRUM", entry("e-1", "MOTTATT"), CASE, new_case_no=True)
    again = messages_for("INTRUM", entry("e-1", "MOTTATT"), CASE, new_case_no=True)
    assert [m.event_id for m in first] == [m.event_id for m in again]
    assert [m.event_id for m in first] == [message_id("INTRUM", "e-1", p) for p in ("receipt", "status")]
    other = messages_for("SVEA", entry("e-1", "MOTTATT"), CASE, new_case_no=True)
    assert not {m.event_id for m in first} & {m.event_id for m in other}


class FakeFeed:
    def __init__(self, pages: list[list[StatusChange]]) -> None:
        self.pages = pages
        self.asked: list[str | None] = []

    async def status_changes(self, since: str | None = None) -> tuple[list[StatusChange], str | None]:
        self.asked.append(since)
        offset = int(since or 0)
        return (self.pages[offset] if offset < len(self.pages) else []), str(min(offset + 1, len(self.pages)))

    async def settlements(self, since: str | None = None) -> tuple[list, str | None]:
        return [], since


class FakeClients:
    def __init__(self, feed: FakeFeed) -> None:
        self.feed = feed

    def get(self, partner: str) -> FakeFeed:
        return self.feed


class FakePublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Envelope]] = []
        self.fail = False

    async def publish(self, messages: list[tuple[str, Envelope]]) -> None:
        if self.fail:
            raise NotAcknowledged("the broker did not acknowledge (KafkaTimeoutError)")
        self.sent.extend(messages)


def puller(pages: list[list[StatusChange]]) -> tuple[FeedPuller, FeedState, FakePublisher, FakeFeed]:
    state, publisher, feed = FeedState({}, {}, {}), FakePublisher(), FakeFeed(pages)
    return FeedPuller(FakeClients(feed), state, publisher, WorkerHealth("partner-gateway")), state, publisher, feed  # type: ignore[arg-type]


RECEIPT = ("partner.registration_accepted", None)


def kinds(sent: list[tuple[str, Envelope]]) -> list[Any]:
    return [(m.type, getattr(m.payload, "status", None)) for _, m in sent]


async def test_an_entry_without_our_reference_is_held_until_the_index_learns_its_number():
    unresolved = entry("e-7", "INKASSO", reference=None)
    pull, state, publisher, _ = puller([[unresolved], [entry("e-8", "MOTTATT")]])
    assert (await pull.pull("INTRUM")).published == 0
    assert state.held_changes("INTRUM", "13563917") == [unresolved] and publisher.sent == []
    result = await pull.pull("INTRUM")
    assert result.ok and result.published == 3
    assert kinds(publisher.sent) == [RECEIPT, ("partner.status_changed", "acknowledged"),
                                     ("partner.status_changed", "collection")]
    assert all(m.case_id == CASE for _, m in publisher.sent)
    assert state.case_id("INTRUM", "13563917") == CASE and state.held == {}


async def test_the_index_resolves_later_entries_and_publishes_the_receipt_only_once():
    pull, _, publisher, _ = puller([[entry("e-1", "MOTTATT"), entry("e-2", "INKASSO", reference=None)],
                                    [entry("e-3", "INNSIGELSE")]])
    await pull.pull("INTRUM")
    await pull.pull("INTRUM")
    assert kinds(publisher.sent) == [RECEIPT, ("partner.status_changed", "acknowledged"),
                                     ("partner.status_changed", "collection"), ("partner.status_changed", "dispute")]


async def test_nothing_is_remembered_unless_the_broker_acknowledged():
    pull, state, publisher, feed = puller([[entry("e-1", "MOTTATT")]])
    publisher.fail = True
    result = await pull.pull("INTRUM")
    assert not result.ok and "KafkaTimeoutError" in (result.reason or "")
    assert state.cursor("INTRUM") is None and state.case_id("INTRUM", "13563917") is None
    publisher.fail = False
    assert (await pull.pull("INTRUM")).published == 2
    assert feed.asked == [None, None] and state.cursor("INTRUM") == "1"
    await pull.pull("INTRUM")
    assert feed.asked[-1] == "1" and len(publisher.sent) == 2


async def test_unmapped_words_and_conflicting_numbers_go_to_dead_letters_and_the_feed_goes_on():
    clash = entry("e-3", "INKASSO", reference="100/001/999999999/2025")
    pull, _, publisher, _ = puller([[entry("e-1", "MOTTATT"), entry("e-2", "OVERVAKING"), clash,
                                     entry("e-4", "INKASSO")]])
    await pull.pull("INTRUM")
    letters = [m for topic, m in publisher.sent if topic == "partner.case-status.dlq"]
    assert [letter.payload.error for letter in letters][0].startswith("partner INTRUM reported status 'OVERVAKING'")
    assert "already bound to 100/001/252005046/2025" in letters[1].payload.error
    assert letters[0].event_id == message_id("INTRUM", "e-2", "dead-letter")
    assert b"OVERVAKING" in letters[0].payload.raw()
    assert kinds(publisher.sent)[-1] == ("partner.status_changed", "collection")
