"""`dcs scenario run FILE`: start the service around the file's world, play it, check it.

Exit codes: 0 every expectation held, 1 one did not (or the service never came to rest), 2 the
file is invalid (nothing is started then).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra.topic_admin import delete_prefixed_topics
from workers.infra.topic_io import read_to_end
from workers.scenario.checks import check
from workers.scenario.loading import Scenario
from workers.scenario.quiet import NotQuiet, QuietWatch
from workers.scenario.stack import SCENARIO_WORKERS, Stack, start_stack, start_workers
from workers.scenario.steps import ACTOR, Player, StepFailed


def run_scenario(scenario: Scenario, out: Path | None, base_dir: Path, progress=print,
                 keep_topics: bool = False) -> tuple[int, dict[str, Any]]:
    """Run one scenario; its topics are deleted afterwards unless `keep_topics` (logs stay)."""
    partners = tuple(sorted(scenario.config.get("partners", {})))
    stack = start_stack(scenario.name, partners, base_dir)
    watch: QuietWatch | None = None
    aborted: dict[str, Any] | None = None
    try:
        _load_world(stack, scenario)
        start_workers(stack)
        progress(f"service up: topics {stack.settings.topic_prefix}*, logs in {stack.run_dir}")
        player = Player(stack, scenario.start)
        watch = QuietWatch(stack, SCENARIO_WORKERS)
        config_end = _end_offset(stack, "config")
        watch.wait(player.clock.isoformat(), config_end)
        for step in scenario.steps:
            try:
                player.play(step)
                watch.wait(player.clock.isoformat(), _end_offset(stack, "config"))
            except (StepFailed, NotQuiet) as error:
                aborted = {"key": f"steps[{step.index}].{step.kind}", "expected": "done", "actual": str(error),
                           "held": False}
                progress(f"  step {step.index + 1} {step.kind} FAILED: {error}")
                break
            progress(f"  step {step.index + 1}/{len(scenario.steps)} {step.kind} done (clock {player.clock})")
        from workers.scenario.result import collect

        result = collect(stack, scenario.name, player.clock.isoformat(), player.rejected)
        replay_check = _replay_check(stack)
        result["run"] = {"topic_prefix": stack.settings.topic_prefix, "logs": str(stack.run_dir)}
    finally:
        if watch is not None:
            watch.close()
        stack.stop()
        if not keep_topics:
            delete_prefixed_topics(stack.settings, stack.settings.topic_prefix)
    result["checks"] = ([aborted] if aborted else []) + check(scenario.expect, result) + [replay_check]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str))
    return (0 if all(c["held"] for c in result["checks"]) else 1), result


def _load_world(stack: Stack, scenario: Scenario) -> None:
    apply_configuration(stack.settings, scenario.config, actor=ACTOR)
    set_business_date(stack.settings, scenario.start)
    config = scenario.config
    accounts = config.get("accounts", {})
    m3 = scenario.m3.model_dump(mode="json", exclude_none=True)
    for invoice in m3["invoices"]:
        invoice["amount"] = str(invoice["amount"])
    body = {"reset": True, "company": str(config["company"]), **m3, "accounts": accounts,
            "settlement_functions": {pid: p.get("settlement_functions", []) for pid, p in config["partners"].items()}}
    response = httpx.post(f"{stack.m3_url}/_sandbox/load", json=body, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"the M3 sandbox refused the scenario's m3 data: {response.text[:500]}")


def _replay_check(stack: Stack) -> dict[str, Any]:
    """Every run also proves the log rebuilds the live state: replay = table = M3."""
    from workers.projections.replay import compare_live

    m3_state = httpx.get(f"{stack.m3_url}/_sandbox/state", timeout=30).json()
    count, differences = compare_live(stack.settings, m3_state)
    return {"key": "replay", "expected": f"{count} events rebuild the live table and M3",
            "actual": [str(d) for d in differences] or "no difference", "held": not differences}


def _end_offset(stack: Stack, logical: str) -> int:
    last = -1
    for record in read_to_end(stack.settings, logical):
        last = record.offset
    return last + 1
