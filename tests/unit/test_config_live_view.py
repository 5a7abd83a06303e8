"""The live view without a broker: records fed in order as the follow loop does.

A bad value on `config` must not freeze the configuration (the entity keeps its last good value,
later independent changes still apply, the record is reported and dead-lettered), and junk on
`config` / `clock` is dead-lettered once per record however many views read it.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import yaml

from contracts import ConfigEntitySet, decode, encode, new_message
from contracts.clock import BusinessDateSet
from tests.unit.test_domain_configuration import SCENARIO_CONFIG
from workers.config_events.follower import LiveView, dead_letter_event_id
from workers.config_events.resolution import resolve
from workers.domain.configuration import entities, load_configuration
from workers.infra.settings import load_settings

PREFIX = "lv0123."
GOOD = entities(load_configuration(yaml.safe_load(SCENARIO_CONFIG)))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sent:
    def __init__(self) -> None:
        self.letters: list[tuple[str, bytes, Any]] = []

    async def __call__(self, dlq: str, key: bytes, value: bytes) -> None:
        self.letters.append((dlq, key, decode(dlq, value)))


class Feed:
    """A view and the offsets of the records it was given."""

    def __init__(self, **options: Any) -> None:
        self.clock, self.sent = Clock(), Sent()
        settings = load_settings(profile="test", topic_prefix=PREFIX)
        self.view = LiveView(settings, send=self.sent, clock=self.clock, jitter_s=0, **options)
        self.offsets = {"config": 0, "clock": 0, "config.dlq": 0, "clock.dlq": 0}

    def raw(self, topic: str, key: bytes | None, value: bytes | None) -> int:
        offset = self.offsets[topic]
        self.offsets[topic] += 1
        self.view.take(topic, 0, offset, key, value)
        return offset

    def entity(self, kind: str, entity_id: str, value: dict[str, Any] | None) -> int:
        envelope = new_message("config.entity_set", ConfigEntitySet(kind=kind, entity_id=entity_id, value=value),
                               source="test")
        return self.raw("config", f"{kind}/{entity_id}".encode(), encode("config", envelope))

    def load(self, records: dict[tuple[str, str], dict[str, Any]] = GOOD) -> None:
        for (kind, entity_id), value in records.items():
            self.entity(kind, entity_id, value)
        self.view.rebuild()

    async def flush(self, after_s: float = 0.0) -> None:
        self.clock.now += after_s
        await self.view.flush_dead_letters()


def division(partner: str = "INTRUM", **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GOOD[("division", "001")]), "partner": partner, **changes}


# ---- one bad value does not freeze the configuration ------------------------------------------

async def test_a_bad_value_keeps_the_last_good_one_and_later_changes_still_apply():
    feed = Feed(refusal_grace_s=3.0)
    feed.load()
    assert feed.view.configuration.divisions["001"].partner == "INTRUM"
    version = feed.view.version

    bad = feed.entity("division", "001", division("NOBODY", paused=True))
    feed.view.rebuild()
    assert feed.view.configuration.divisions["001"].partner == "INTRUM"
    assert feed.view.configuration.divisions["001"].paused is False, "the whole bad record is refused"
    [refusal] = feed.view.refusals.values()
    assert (refusal.entity, refusal.offset) == ("division/001", bad)
    assert "divisions.001.partner" in refusal.reason and "NOBODY" in refusal.reason

    feed.entity("division", "002", division(name="Second AS"))
    feed.entity("reminder_rule", "CR1", {"reminders_required": 3})
    feed.view.rebuild()
    cfg = feed.view.configuration
    assert cfg.divisions["002"].name == "Second AS" and cfg.reminder_rules["CR1"].reminders_required == 3
    assert cfg.divisions["001"].partner == "INTRUM" and feed.view.version > version
    assert list(feed.view.refusals) == ["division/001"] and feed.view.held == {}

    await feed.flush(after_s=1.0)
    assert feed.sent.letters == [], "a refusal is dead-lettered only once it has lasted the grace period"
    await feed.flush(after_s=3.0)
    [(dlq, key, letter)] = feed.sent.letters
    assert (dlq, key) == ("config.dlq", f"{PREFIX}config:0:{bad}".encode())
    assert letter.type == "dead_letter" and letter.key == f"{PREFIX}config:0:{bad}"
    assert letter.event_id == dead_letter_event_id(f"{PREFIX}config", 0, bad)
    payload = letter.payload
    assert (payload.source_topic, payload.partition, payload.offset, payload.key) == (
        f"{PREFIX}config", 0, bad, "division/001")
    assert "division/001 keeps its last good value" in payload.error and "NOBODY" in payload.error
    assert decode("config", payload.raw()).payload.value["partner"] == "NOBODY"

    feed.entity("division", "001", division("INTRUM", paused=True))  # the fix
    feed.view.rebuild()
    assert feed.view.configuration.divisions["001"].paused is True and feed.view.refusals == {}
    await feed.flush(after_s=10.0)
    assert len(feed.sent.letters) == 1


async def test_a_refusal_that_heals_before_the_grace_period_is_not_dead_lettered():
    """`config apply` writes a new division before the new partner it names (key order)."""
    feed = Feed(refusal_grace_s=3.0)
    feed.load()
    feed.entity("division", "003", division("SVEA"))
    feed.view.rebuild()
    assert "division/003" in feed.view.refusals and "003" not in feed.view.configuration.divisions
    feed.entity("partner", "SVEA", copy.deepcopy(GOOD[("partner", "INTRUM")]) | {"name": "Svea"})
    feed.view.rebuild()
    assert feed.view.refusals == {} and feed.view.configuration.divisions["003"].partner == "SVEA"
    await feed.flush(after_s=60.0)
    assert feed.sent.letters == []


def test_removing_what_an_unchanged_entity_needs_is_refused():
    feed = Feed()
    feed.load()
    removal = feed.entity("partner", "INTRUM", None)
    feed.entity("fam_function", "AB10-001", {"name": "Bank update", "transfer": True})
    feed.view.rebuild()
    assert "INTRUM" in feed.view.configuration.partners
    assert feed.view.configuration.fam_functions["AB10-001"].name == "Bank update"
    [refusal] = feed.view.refusals.values()
    assert (refusal.entity, refusal.offset) == ("partner/INTRUM", removal)
    assert "divisions.001.partner" in refusal.reason


def test_a_bad_entity_in_the_initial_load_is_left_out_and_the_rest_applies():
    feed = Feed()
    records = dict(GOOD)
    records[("division", "002")] = division("NOBODY")
    feed.load(records)
    assert set(feed.view.configuration.divisions) == {"001"}
    assert list(feed.view.refusals) == ["division/002"]


def test_when_nothing_can_be_pinned_the_last_good_configuration_stays_and_changes_are_held():
    feed = Feed()
    feed.load()
    feed.entity("company", "current", {"company": {"not": "text"}})
    feed.entity("reminder_rule", "CR2", {"reminders_required": 4})
    feed.view.rebuild()
    assert feed.view.configuration.company == "100"
    assert "company/current" in feed.view.refusals
    assert feed.view.configuration.reminder_rules["CR2"].reminders_required == 4


def test_resolve_holds_changes_when_no_roll_back_helps():
    records = {key: value for key, value in GOOD.items() if key != ("company", "current")}
    result = resolve(records, {}, list(records))
    assert result.configuration is None and result.refused == {}
    assert set(result.held) == set(records) and "company" in next(iter(result.held.values()))


# ---- junk on config and clock ------------------------------------------------------------------

async def test_junk_on_config_and_clock_is_skipped_and_dead_lettered_with_where_it_was():
    feed = Feed()
    feed.load()
    junk_config = feed.raw("config", b"division/001", b"{not json")
    junk_clock = feed.raw("clock", b"clock", b'{"type": "clock.business_date_set"}')
    tick = new_message("clock.business_date_set", BusinessDateSet(business_date=date(2026, 3, 1)), source="t")
    feed.raw("clock", b"clock", encode("clock", tick))
    feed.view.rebuild()
    assert feed.view.business_date() == date(2026, 3, 1) and feed.view.skipped == 2
    assert feed.view.configuration.divisions["001"].partner == "INTRUM"

    await feed.flush()
    letters = {dlq: letter.payload for dlq, _, letter in feed.sent.letters}
    assert set(letters) == {"config.dlq", "clock.dlq"}
    assert (letters["config.dlq"].source_topic, letters["config.dlq"].offset) == (f"{PREFIX}config", junk_config)
    assert (letters["clock.dlq"].source_topic, letters["clock.dlq"].offset) == (f"{PREFIX}clock", junk_clock)
    assert "invalid JSON on config" in letters["config.dlq"].error
    assert letters["config.dlq"].raw() == b"{not json" and letters["config.dlq"].key == "division/001"
    assert feed.view.dead_letters_written == 2


async def test_a_record_already_on_the_dead_letter_topic_is_not_written_again():
    """Another view wrote it, or this one before a restart (the view re-reads from the start)."""
    first, second = Feed(), Feed()
    for feed in (first, second):
        feed.load()
        feed.raw("config", b"x", b"\x00junk")
    await first.flush()
    [(dlq, _key, written)] = first.sent.letters
    second.raw(dlq, _key, encode(dlq, written))
    await second.flush(after_s=10)
    assert second.sent.letters == []
    assert written.event_id == dead_letter_event_id(f"{PREFIX}config", 0, len(GOOD))


async def test_views_that_must_not_write_dead_letters_write_none():
    feed = Feed(dead_letters=False)
    feed.load()
    feed.raw("config", b"x", b"junk")
    feed.entity("division", "009", division("NOBODY"))
    feed.view.rebuild()
    await feed.flush(after_s=60)
    assert feed.sent.letters == [] and list(feed.view.refusals) == ["division/009"]


async def test_a_failed_write_is_retried_later_and_the_view_goes_on():
    feed = Feed()
    feed.load()
    feed.raw("clock", b"clock", b"[]")
    calls = []

    async def broker_away(dlq: str, key: bytes, value: bytes) -> None:
        calls.append(key)
        raise ConnectionError("broker away")

    feed.view._send = broker_away
    await feed.flush()
    await feed.flush(after_s=1)
    assert len(calls) == 1
    feed.view._send = feed.sent
    await feed.flush(after_s=10)
    assert len(feed.sent.letters) == 1


@pytest.mark.parametrize("topic", ["config", "clock"])
def test_a_tombstone_is_compaction_not_a_dead_letter(topic):
    feed = Feed()
    feed.raw(topic, b"k", None)
    assert feed.view.skipped == 0 and feed.view._pending == {}
