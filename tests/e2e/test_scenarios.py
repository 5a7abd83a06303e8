"""Every scenario file under tests/scenarios/ through `dcs scenario run`: real workers as
processes, the real broker, both sandboxes over HTTP in scripted and naive mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from workers.cli.main import main as dcs
from workers.scenario.loading import load_scenario, parse_scenario
from workers.scenario.runner import run_scenario

pytestmark = pytest.mark.e2e

SCENARIOS = sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path, kafka_bootstrap, tmp_path):
    out = tmp_path / "RESULT.json"
    code = dcs(["scenario", "run", str(path), "--out", str(out), "--runs-dir", str(tmp_path / "runs")])
    result = json.loads(out.read_text())
    failed = [c for c in result["checks"] if not c["held"]]
    assert code == 0, f"{path.name}: failed checks {failed}"
    assert result["checks"], "a scenario without checks proves nothing"
    assert set(result) >= {"scenario", "clock", "m3", "partners", "case_events", "skips", "discrepancies",
                           "dead_letters", "rejected", "checks"}
    _no_personal_data_in_logs_or_case_events(path, result, tmp_path / "runs")


WORKER_LOGS = ("case-processor", "settlement", "m3-gateway", "partner-gateway", "m3-ingress")


def _no_personal_data_in_logs_or_case_events(path: Path, result: dict, runs: Path) -> None:
    """National ids, e-mail addresses and phone numbers of the scenario's debtors appear in no
    worker log and nowhere on case.events (DOMAIN §4)."""
    customers = (yaml.safe_load(path.read_text()).get("m3") or {}).get("customers", [])
    secrets = {str(c[k]) for c in customers for k in ("national_id", "email", "phone") if c.get(k)}
    if not secrets:
        return
    texts = {"case.events": json.dumps(result["case_events"])}
    for log in runs.glob("*/*.log"):
        if log.stem in WORKER_LOGS:
            texts[log.name] = log.read_text(errors="replace")
    assert len(texts) == 1 + len(WORKER_LOGS), sorted(texts)
    leaks = [(where, secret) for where, text in texts.items() for secret in secrets if secret in text]
    assert leaks == []


def test_a_wrong_expectation_fails_the_run(kafka_bootstrap, tmp_path):
    data = yaml.safe_load((Path(__file__).parents[1] / "scenarios" / "payment-before-receipt.yaml").read_text())
    data["expect"] = {"partner.cases": [{"partner": "INTRUM", "case_no": "P-1", "direct_payments": ["999.00"]}],
                      "m3.statements": 3}
    code, result = run_scenario(parse_scenario(data), tmp_path / "RESULT.json", tmp_path / "runs")
    assert code == 1
    failed = {c["key"] for c in result["checks"] if not c["held"]}
    assert failed == {"partner.cases[INTRUM/P-1].direct_payments", "m3.statements"}


def test_an_invalid_file_exits_2_and_starts_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nstart: 2026-01-01\nconfig: {}\nsteps: [{m3.teleport: {}}]\n")
    assert dcs(["scenario", "run", str(bad)]) == 2
    assert "steps[0].m3.teleport" in capsys.readouterr().err
