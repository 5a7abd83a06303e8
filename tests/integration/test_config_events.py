"""Configuration as events on the real broker: apply, idempotency, history, live pick-up, clock."""

from __future__ import annotations

import asyncio
import copy
from datetime import date

import pytest
import yaml

from workers.cli.main import main as dcs
from workers.config_events.clock import ClockError, scripted_date, set_business_date
from workers.config_events.follower import LiveView
from workers.config_events.store import apply_configuration, current_configuration, history
from workers.domain.configuration import ConfigurationError
from workers.infra.settings import REPO_ROOT

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
