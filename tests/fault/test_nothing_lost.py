"""Nothing lost, nothing doubled — while workers are SIGKILLed, the broker restarts, the partner
fails a third of its calls and goes down for a while, and M3 expires tokens early and fails
inside HTTP 200 (issue 6).

The run has its own broker (it is restarted mid-run), workers as separate processes, and both
sandboxes naive, so any double our side lets through shows. `make test` runs it at 2,000
invoices; `--fault-invoices 20000` is the long run; `--fault-seed N` replays a run's faults.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import httpx
import pytest

from tests.fault.chaos import Chaos
from tests.fault.run import Driver, PhaseTimeout
from tests.fault.verdict import failures, verdict
from tests.fault.world import START, configuration, invoices, m3_load_body
from workers.config_events.clock import set_business_date
from workers.config_events.store import apply_configuration
from workers.infra import local_kafka
from workers.infra.settings import load_settings
from workers.infra.topic_admin import delete_prefixed_topics
from workers.projections.dead_letters import dead_letters
from workers.projections.replay import compare_live
from workers.scenario.quiet import NotQuiet, QuietWatch
from workers.scenario.runner import _end_offset
from workers.scenario.stack import SCENARIO_WORKERS, free_port, start_stack, start_workers

pytestmark = [pytest.mark.fault, pytest.mark.e2e]

PARTNER_FAULTS = {"error_rate": 0.25, "timeout_rate": 0.05, "timeout_s": 1.5, "token_ttl_s": 60,
                  "token_early_expiry_s": 8, "duplicate_webhook_rate": 0.1,
                  "outages": [{"start_s": 40, "end_s": 60}]}
M3_FAULTS = {"error_rate": 0.1, "timeout_rate": 0.03, "timeout_seconds": 1.5, "errors_in_200_rate": 0.1,
             "early_token_expiry": 8, "outages": [{"start": 90, "end": 100}]}
WORKER_ENV = {"DCS_PARTNER_HTTP_TIMEOUT_S": "1.0", "DCS_M3_HTTP_TIMEOUT_S": "1.0",
              "DCS_PARTNER_POLL_INTERVAL_S": "2", "DCS_M3_POLL_INTERVAL_S": "15",
              "DCS_M3_POLL_DIVISIONS": "001,004,011,099"}


def test_nothing_lost_nothing_doubled(request) -> None:
    count = request.config.getoption("fault_invoices")
    seed = request.config.getoption("fault_seed")
    seed = seed if seed is not None else random.SystemRandom().randrange(10**6)
    say = _reporter(request)
    say(f"fault run: seed={seed} invoices={count} (replay with --fault-seed {seed} --fault-invoices {count})")
    rng = random.Random(seed)
    runs = load_settings(profile="test").data_dir / "fault"
    broker = {"data_dir": runs / f"broker-{seed}-{os.getpid()}", "local_broker_port": free_port(),
              "local_controller_port": free_port()}
    stack = start_stack("fault", ("INTRUM", "SVEA"), runs, naive=True, seed=seed, kind="fault", broker=broker)
    say(f"logs and report in {stack.run_dir}")
    stack.extra_env.update(WORKER_ENV)
    chaos: Chaos | None = None
    passed = False
    started = time.monotonic()
    try:
        config, group = configuration(), invoices(rng, count)
        apply_configuration(stack.settings, config, actor="fault-test")
        set_business_date(stack.settings, START)
        httpx.post(f"{stack.m3_url}/_sandbox/load", json=m3_load_body(config, group, rng), timeout=120).raise_for_status()
        httpx.post(f"{stack.m3_url}/_sandbox/mode", json={"fault": M3_FAULTS, "seed": seed, "ingress_attempts": 60,
                                                           "ingress_max_backoff": 2.0, "ingress_duplicate_rate": 0.1}
                   ).raise_for_status()
        httpx.post(f"{stack.partner_url}/_sandbox/mode", json={"fault": PARTNER_FAULTS, "seed": seed}).raise_for_status()
        start_workers(stack)
        chaos = Chaos(stack, SCENARIO_WORKERS, random.Random(f"chaos:{seed}"))
        chaos.start()
        driver = Driver(stack, group, rng, say)
        budget = 120 + count * 0.25
        stalled = None
        for name, phase in (("hand-over", driver.hand_over), ("partner answers", driver.partner_answers),
                            ("direct payments and credits", driver.direct_money), ("settlements", driver.settlements)):
            say(f"phase: {name}")
            try:
                phase(budget)
            except PhaseTimeout as timeout:
                stalled = str(timeout)
                say(f"  STALLED: {stalled}")
                break
        chaos.until_each_killed(2, timeout_s=300)
        chaos.stop()
        say(f"chaos stopped: kills {dict(chaos.log.kills)}, crashes {dict(chaos.log.crashes)}, "
            f"broker restarts {chaos.log.broker_restarts}")
        watch = QuietWatch(stack, SCENARIO_WORKERS)
        try:
            watch.wait(START.isoformat(), _end_offset(stack, "config"), timeout=240)
        except NotQuiet as busy:
            stalled = stalled or str(busy)
        finally:
            watch.close()
        m3, partners = driver.m3(), driver.partners()
        replayed_events, differences = compare_live(stack.settings, m3)
        counts = verdict(driver.expected, m3, partners, differences, len(dead_letters(stack.settings)))
        counts.update({"seed": seed, "invoices": count, "events_replayed": replayed_events,
                       "worker_kills": sum(chaos.log.kills.values()), "worker_crashes": sum(chaos.log.crashes.values()),
                       "broker_restarts": chaos.log.broker_restarts, "seconds": round(time.monotonic() - started),
                       "stalled": stalled,
                       **{f"sent_{k}": v for k, v in driver.expected.duplicates_sent.items()},
                       "m3_faults_injected": m3["modes"]["faults_injected"],
                       "m3_events_delivered_twice": m3["events"]["duplicated"]})
        (stack.run_dir / "fault-report.json").write_text(json.dumps(counts, indent=2, default=str))
        say("fault run result: " + json.dumps(counts, default=str))
        for line in differences[:20]:
            say(f"  replay difference: {line}")
        assert not failures(counts), f"lost or doubled (seed {seed}): {failures(counts)}"
        assert stalled is None, f"the service did not finish a phase (seed {seed}): {stalled}"
        assert chaos.log.broker_restarts == 1 and min(chaos.log.kills[w] for w in SCENARIO_WORKERS) >= 2
        passed = True
    finally:
        if chaos is not None and chaos.is_alive():
            chaos.stop()
        stack.stop()
        keep = not passed and not os.environ.get("CI")
        try:
            if not keep:
                delete_prefixed_topics(stack.settings, stack.settings.topic_prefix)
        finally:
            local_kafka.down(stack.broker)
            if not keep:
                shutil.rmtree(broker["data_dir"], ignore_errors=True)
            else:
                say(f"the run failed: its broker's data stays in {broker['data_dir']} (start it with "
                    f"local_broker_port={broker['local_broker_port']} to inspect the topics)")


def _reporter(request):
    """Progress on the terminal (not captured) and in .data/fault/progress.log to follow a run."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    progress = load_settings(profile="test").data_dir / "fault" / "progress.log"
    progress.parent.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        with progress.open("a") as out:
            out.write(f"{time.strftime('%H:%M:%S')} {line}\n")
        if reporter is not None:
            reporter.write_line(line)
    return say
