"""Configuration as events on the real broker: apply, idempotency, history, live pick-up, clock;
junk and refused values on `config` / `clock` (the tools skip junk, the live views dead-letter it
once and keep an entity's last good value)."""

from __future__ import annotations

import asyncio
import copy
from datetime import date

import pytest
import yaml

from contracts import ConfigEntitySet, decode, new_message
from workers.cli.main import main as dcs
from workers.config_events.clock import ClockError, scripted_date, set_business_date
from workers.config_events.follower import LiveView
from workers.config_events.store import apply_configuration, current_configuration, history
from workers.domain.configuration import ConfigurationError, entities, load_configuration
from workers.infra.settings import REPO_ROOT
from workers.infra.topic_io import publish, publish_raw, read_to_end
from workers.projections.dead_letters import dead_letters

pytestmark = pytest.mark.integration

EXAMPLE = yaml.safe_load((REPO_ROOT / "examples" / "config.yaml").read_text())


def test_apply_twice_changes_nothing_and_history_shows_one_change(kafka_settings):
    first = apply_configuration(kafka_settings, EXAMPLE, actor="alice")
    assert len(first) == 9 and all(change.before is None for change in first)
    assert apply_configuration(kafka_settings, EXAMPLE, actor="alice") == []

    paused = copy.deepcopy(EXAMPLE)
    paused["divisions"]["001"]["paused"] = True
    changes = apply_configuration(kafka_settings, paused, actor="bob")
    assert [(c.kind, c.entity_id) for c in changes] == [("division", "001")]
    assert changes[0].before["paused"] is False and changes[0].after["paused"] is True

    trail = history(kafka_settings)
    assert len(trail) == 10
    division_changes = [c for c in trail if c.kind == "division"]
    assert [c.actor for c in division_changes] == ["alice", "bob"]
    assert division_changes[-1].before == changes[0].before
    assert current_configuration(kafka_settings).divisions["001"].paused is True


def test_a_bad_file_names_the_key_and_changes_nothing(kafka_settings, tmp_path, capsys, monkeypatch):
    apply_configuration(kafka_settings, EXAMPLE, actor="alice")
    bad = copy.deepcopy(EXAMPLE)
    bad["partners"]["INTRUM"]["min_amount"] = 30.5
    with pytest.raises(ConfigurationError, match="partners.INTRUM.min_amount"):
        apply_configuration(kafka_settings, bad, actor="mallory")
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump({**EXAMPLE, "colour": "blue"}))
    monkeypatch.setenv("DCS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    assert dcs(["config", "apply", str(bad_file)]) == 2
    assert "colour" in capsys.readouterr().err
    assert len(history(kafka_settings)) == 9


def test_the_clock_moves_forward_only(kafka_settings):
    assert scripted_date(kafka_settings) is None
    set_business_date(kafka_settings, date(2026, 2, 20))
    set_business_date(kafka_settings, date(2026, 2, 21))
    with pytest.raises(ClockError):
        set_business_date(kafka_settings, date(2026, 2, 1))
    assert scripted_date(kafka_settings) == date(2026, 2, 21)


async def test_running_workers_pick_up_changes_without_restart(kafka_settings):
    apply_configuration(kafka_settings, EXAMPLE, actor="alice")
    set_business_date(kafka_settings, date(2026, 2, 20))
    view = LiveView(kafka_settings)
    await view.start()
    try:
        await view.wait_loaded(timeout=30)
        assert view.configuration.divisions["001"].paused is False
        assert view.business_date() == date(2026, 2, 20)

        paused = copy.deepcopy(EXAMPLE)
        paused["divisions"]["001"]["paused"] = True
        await asyncio.to_thread(apply_configuration, kafka_settings, paused, "bob")
        await asyncio.to_thread(set_business_date, kafka_settings, date(2026, 3, 1))
        for _ in range(100):
            if view.configuration.divisions["001"].paused and view.business_date() == date(2026, 3, 1):
                break
            await asyncio.sleep(0.1)
        assert view.configuration.divisions["001"].paused is True
        assert view.business_date() == date(2026, 3, 1)
    finally:
        await view.stop()


# ---- junk and bad values on config / clock ------------------------------------------------------

JUNK = {"config": b"{not json", "clock": b'{"type": "clock.business_date_set", "payload": []}',
        "config.changes": b"\xff\xfe"}


def _junk(settings, topic: str, key: bytes = b"fuzz/junk") -> None:
    publish_raw(settings, topic, key, JUNK[topic])


def test_junk_on_config_and_clock_does_not_stop_config_apply_or_the_clock(kafka_settings, monkeypatch, capsys):
    for topic in JUNK:
        _junk(kafka_settings, topic)
    _junk(kafka_settings, "clock", b"clock")
    assert scripted_date(kafka_settings) is None
    assert len(apply_configuration(kafka_settings, EXAMPLE, actor="alice")) == 9
    _junk(kafka_settings, "config", b"division/001")
    assert apply_configuration(kafka_settings, EXAMPLE, actor="alice") == []
    assert current_configuration(kafka_settings).divisions["001"].partner == "INTRUM"
    assert len(history(kafka_settings)) == 9

    set_business_date(kafka_settings, date(2026, 2, 20))
    _junk(kafka_settings, "clock", b"clock")
    set_business_date(kafka_settings, date(2026, 2, 21))
    assert scripted_date(kafka_settings) == date(2026, 2, 21)

    monkeypatch.setenv("DCS_TOPIC_PREFIX", kafka_settings.topic_prefix)
    assert dcs(["clock", "show"]) == 0 and "2026-02-21" in capsys.readouterr().out
    assert dcs(["clock", "advance", "1d"]) == 0 and "2026-02-22" in capsys.readouterr().out
    assert dcs(["config", "show"]) == 0 and "INTRUM" in capsys.readouterr().out
    assert dcs(["config", "history"]) == 0


def test_config_show_keeps_the_last_good_value_of_an_entity_whose_new_value_is_refused(kafka_settings):
    apply_configuration(kafka_settings, EXAMPLE, actor="alice")
    publish(kafka_settings, [("config", _entity("division", "001", {**_division(), "partner": "NOBODY"}))])
    publish(kafka_settings, [("config", _entity("reminder_rule", "CR2", {"reminders_required": 4}))])
    configuration = current_configuration(kafka_settings)
    assert configuration.divisions["001"].partner == "INTRUM"
    assert configuration.reminder_rules["CR2"].reminders_required == 4


async def test_live_views_dead_letter_junk_and_refused_values_once(kafka_settings):
    settings = kafka_settings
    apply_configuration(settings, EXAMPLE, actor="alice")
    set_business_date(settings, date(2026, 2, 20))
    sent = [(topic, *_offset_of(settings, topic, JUNK[topic])) for topic in ("config", "clock")]
    views = [LiveView(settings, refusal_grace_s=0.5, jitter_s=1.0) for _ in range(3)]  # three workers
    for view in views:
        await view.start()
    try:
        for view in views:
            await view.wait_loaded(timeout=30)
        publish(settings, [("config", _entity("division", "001", {**_division(), "partner": "NOBODY"}))])
        publish(settings, [("config", _entity("division", "002", {**_division(), "name": "Second AS"}))])
        [bad] = [r for r in read_to_end(settings, "config") if b"NOBODY" in (r.value or b"")]
        wanted = {(topic, partition, offset) for topic, partition, offset in sent} | {("config", 0, bad.offset)}

        async def lettered() -> set[tuple[str, int, int]]:
            found = await asyncio.to_thread(dead_letters, settings)
            return {(s.source, s.letter.partition, s.letter.offset) for s in found}

        for _ in range(100):
            if wanted <= await lettered() and all("002" in v.configuration.divisions for v in views):
                break
            await asyncio.sleep(0.2)
        assert await lettered() == wanted
        for view in views:
            assert view.configuration.divisions["001"].partner == "INTRUM"
            assert view.configuration.divisions["002"].name == "Second AS"
            assert list(view.refusals) == ["division/001"]
            assert view.business_date() == date(2026, 2, 20)
        await asyncio.sleep(3.0)  # every view's jitter and grace have passed
        records = _dead_letter_records(settings)
        ids = {}
        for record in records:
            letter = decode(record.topic.removeprefix(settings.topic_prefix), record.value)
            ids.setdefault(record.key, set()).add(letter.event_id)
        assert len(ids) == 3 and all(len(found) == 1 for found in ids.values()), "copies are the same message"
        assert sum(v.dead_letters_written for v in views) == len(records)
        errors = {(s.source, s.letter.offset): s.letter.error for s in dead_letters(settings)}
        assert "division/001 keeps its last good value" in errors[("config", bad.offset)]
        assert "NOBODY" in errors[("config", bad.offset)] and "invalid JSON" in errors[sent[0][0::2]]
    finally:
        for view in views:
            await view.stop()

    restarted = LiveView(settings, refusal_grace_s=0.0, jitter_s=0.0)
    await restarted.start()
    try:
        await restarted.wait_loaded(timeout=30)
        assert list(restarted.refusals) == ["division/001"]
        assert restarted.configuration.divisions["002"].name == "Second AS"
        await asyncio.sleep(1.5)
        assert restarted.dead_letters_written == 0 and len(_dead_letter_records(settings)) == len(records)
    finally:
        await restarted.stop()


def _division() -> dict:
    return copy.deepcopy(entities(load_configuration(EXAMPLE))[("division", "001")])


def _entity(kind: str, entity_id: str, value: dict | None):
    return new_message("config.entity_set", ConfigEntitySet(kind=kind, entity_id=entity_id, value=value),
                       source="test")


def _offset_of(settings, topic: str, value: bytes) -> tuple[int, int]:
    publish_raw(settings, topic, b"fuzz/junk" if topic == "config" else b"clock", value)
    [record] = [r for r in read_to_end(settings, topic) if r.value == value]
    return record.partition, record.offset


def _dead_letter_records(settings) -> list:
    return [r for topic in ("config.dlq", "clock.dlq") for r in read_to_end(settings, topic)]
