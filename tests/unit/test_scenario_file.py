"""Scenario files: the documented example is valid; every mistake is refused naming its key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from workers.cli.main import main as dcs
from workers.scenario.loading import ScenarioError, parse_scenario

EXAMPLE_FILE = Path(__file__).parents[1] / "scenarios" / "scenarios-md-example.yaml"
EXAMPLE = yaml.safe_load(EXAMPLE_FILE.read_text())


def test_the_scenarios_md_example_is_valid():
    scenario = parse_scenario(copy.deepcopy(EXAMPLE))
    assert scenario.name == "worked-example" and len(scenario.steps) == 8
    assert [s.kind for s in scenario.steps][:3] == ["m3.overdue", "advance", "partner.receipt"]
    assert scenario.steps[1].body == 1
    assert scenario.m3.customers[0].address.country == "NO"


def _broken(path: str, value):
    data = copy.deepcopy(EXAMPLE)
    node = data
    parts = path.split("/")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("colour", "blue", "colour: unknown key"),
        ("start", "yesterday", "start:"),
        ("scenario", KeyError, "scenario: required"),
        ("config/partners/INTRUM/min_amount", 30.5, "config.partners.INTRUM.min_amount"),
        ("config/divisions/001/partner", "NOBODY", "config.divisions.001"),
        ("m3/invoices/0/amount", 4046.0, "m3.invoices[0].amount"),
        ("m3/customers/0/shoe_size", 42, "m3.customers[0].shoe_size"),
        ("steps/0", {"m3.teleport": {}}, "steps[0].m3.teleport: unknown step"),
        ("steps/1", {"advance": "tomorrow"}, "steps[1].advance"),
        ("steps/4/m3.payment/amount", "-100.00", "steps[4].m3.payment.amount"),
        ("steps/3/partner.status/status", "happy", "steps[3].partner.status.status"),
        ("steps/6/partner.settlement/lines/0/fee_vat", 225.0, "steps[6].partner.settlement.lines[0].fee_vat"),
        ("expect/m3.statements", "one", "expect.m3.statements"),
        ("expect/surprise", 1, "expect.surprise"),
    ],
)
def test_a_bad_key_is_named(path, value, named):
    with pytest.raises(ScenarioError) as error:
        parse_scenario(_broken(path, value))
    assert named in str(error.value)


def test_config_change_steps_are_validated_merged_over_config():
    data = copy.deepcopy(EXAMPLE)
    data["steps"].insert(0, {"config.change": {"divisions": {"001": {"paused": "sometimes"}}}})
    with pytest.raises(ScenarioError, match=r"steps\[0\].config.change.divisions.001.paused"):
        parse_scenario(data)


def test_cli_validate_exit_codes(tmp_path, capsys):
    assert dcs(["scenario", "validate", str(EXAMPLE_FILE)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_broken("colour", "blue")))
    assert dcs(["scenario", "validate", str(bad)]) == 2
    assert "colour" in capsys.readouterr().err
