"""Retry decisions and the runner: transient failures are retried without end, never dropped."""

from __future__ import annotations

import random
from datetime import date

import pytest
from structlog.testing import capture_logs

from contracts import new_message
from workers.adapters.m3 import WriteOutcome
from workers.infra.health import WorkerHealth
from workers.m3_gateway.retry_policy import Backoff, should_retry
from workers.m3_gateway.runner import CommandRunner

OK = WriteOutcome(True, references={"RMBL": "1"})
DOWN = WriteOutcome(False, False, "gave up after 5 attempts: HTTP 503")
REFUSED = WriteOutcome(False, True, "EXT100MI/SetRemindStop: Invoice number 1 year 2025 does not exist")
LOCKED = WriteOutcome(False, True, "EXT100MI/SetRemindStop: Record is being changed by another job, try again later")
FAST = Backoff(base=0.001, cap=0.002)


def command():
    return new_message("m3.set_reminder_stop", {"company": "100", "division": "001", "invoice": "252005046",
                                                "year": 2025, "code": 1, "stopped_by": "INTRUM",
                                                "stop_date": date(2026, 2, 20)}, source="test")


@pytest.mark.parametrize(("outcome", "retry"), [
    (OK, False),
    (REFUSED, False),
    (WriteOutcome(False, True, "ABS100MI/AddStatmtDetail: Transaction type XX is invalid"), False),
    (DOWN, True),
    (WriteOutcome(False, False, "statement head INTRUM/S1/001 not confirmed after 2 uncertain attempts"), True),
    (WriteOutcome(False, False, "ION authorization: M3 refused a freshly fetched token"), True),
    (WriteOutcome(False, False, "token: token endpoint answered HTTP 502"), True),
    (LOCKED, True),
])
def test_transient_failures_and_locks_are_retried_refusals_are_not(outcome, retry):
    assert should_retry(outcome) is retry


def test_backoff_grows_to_its_cap_with_jitter_below_it():
    backoff, rng = Backoff(base=1.0, cap=8.0, jitter=0.25), random.Random(1)
    delays = [backoff.delay(n, rng) for n in range(1, 8)]
    assert 0.75 <= delays[0] <= 1.0 and 1.5 <= delays[1] <= 2.0
    assert all(6.0 <= d <= 8.0 for d in delays[3:])
    assert backoff.delay(10_000, rng) <= 8.0


class Script:
    """An execute function answering from a script; records in_flight/retrying at each call."""

    def __init__(self, health: WorkerHealth, *answers: WriteOutcome | Exception) -> None:
        self.health, self.answers, self.seen = health, list(answers), []

    async def __call__(self, _command) -> WriteOutcome:
        self.seen.append((self.health.in_flight, self.health.retrying))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_transient_failures_are_retried_until_m3_answers():
    health = WorkerHealth("m3-gateway")
    script = Script(health, DOWN, LOCKED, DOWN, OK)
    cmd = command()
    with capture_logs() as logs:
        result = await CommandRunner(script, health, FAST).run(cmd)
    assert result == OK
    assert script.seen == [(1, 0)] * 4
    assert (health.in_flight, health.retrying, health.counters["retries"]) == (0, 0, 3)
    retries = [e for e in logs if e["event"] == "m3_command_retry"]
    assert len(retries) == 3 and all(e["log_level"] == "warning" for e in retries)
    assert [e["attempt"] for e in retries] == [1, 2, 3]
    assert all(e["command_id"] == str(cmd.event_id) and e["command_type"] == "m3.set_reminder_stop" for e in retries)


async def test_a_permanent_refusal_is_returned_at_once():
    health = WorkerHealth("m3-gateway")
    assert await CommandRunner(Script(health, REFUSED), health, FAST).run(command()) == REFUSED
    assert health.counters["retries"] == 0


async def test_retrying_is_counted_while_waiting():
    health = WorkerHealth("m3-gateway")
    observed = []

    def owned() -> bool:
        observed.append((health.in_flight, health.retrying))
        return True

    await CommandRunner(Script(health, DOWN, OK), health, Backoff(base=0.05, cap=0.05)).run(command(), owned)
    assert observed and set(observed) == {(0, 1)}


async def test_an_unexpected_error_is_retried_not_raised():
    health = WorkerHealth("m3-gateway")
    with capture_logs() as logs:
        result = await CommandRunner(Script(health, RuntimeError("client closed"), OK), health, FAST).run(command())
    assert result == OK and health.in_flight == 0
    assert any(e["event"] == "m3_command_error" and e["error"] == "RuntimeError" for e in logs)


async def test_losing_the_partition_hands_the_command_back_unfinished():
    health = WorkerHealth("m3-gateway")
    script = Script(health, DOWN, OK)
    assert await CommandRunner(script, health, FAST).run(command(), still_owned=lambda: False) is None
    assert len(script.answers) == 1 and (health.in_flight, health.retrying) == (0, 0)
