"""What the gateway reports on `m3.outcomes` for a command, with ids derived from the command.

Outcomes are keyed by case id, because the case processor (partitioned by case) consumes them.
A reminder stop or case-info command concerns one case: one outcome, keyed like the command. A
statement (keyed by settlement id) concerns every case it has a line for: one outcome per case,
keyed by that case id, all carrying the same result plus `settlement_id` and the line number(s)
in `references`, so each case learns on its own partition whether its payout was booked.

Ids are `derived_event_id(command id, purpose)`: processing the same command again (a crash
before the offset was committed, a duplicate delivery) re-emits outcomes with the same ids,
which consumers deduplicate.
"""

from __future__ import annotations

from contracts import CommandOutcome, Envelope, PostStatement, new_message
from workers.adapters.m3 import WriteOutcome

SOURCE = "m3-gateway"
PURPOSE = "m3-outcome"


def outcome_messages(command: Envelope, result: WriteOutcome) -> list[Envelope]:
    if isinstance(command.payload, PostStatement):
        return _per_case(command, command.payload, result)
    case_id = command.case_id or command.payload.default_case_id()
    return [_message(command, result, case_id, PURPOSE, dict(result.references))]


def _per_case(command: Envelope, statement: PostStatement, result: WriteOutcome) -> list[Envelope]:
    lines: dict[str, list[str]] = {}
    for number, line in enumerate(statement.lines, 1):
        lines.setdefault(line.case_id, []).append(str(number))
    return [
        _message(command, result, case_id, f"{PURPOSE}/{case_id}",
                 {**result.references, "settlement_id": statement.settlement_id,
                  "division": statement.division, "lines": ",".join(numbers)})
        for case_id, numbers in lines.items()
    ]


def _message(command: Envelope, result: WriteOutcome, case_id: str, purpose: str,
             references: dict[str, str]) -> Envelope:
    outcome = CommandOutcome(command_id=command.event_id, command_type=command.type, ok=result.ok,
                             permanent=result.permanent and not result.ok, detail=result.detail,
                             references={k: str(v) for k, v in references.items()})
    return new_message("m3.command_outcome", outcome, source=SOURCE, case_id=case_id, cause=command,
                       purpose=purpose)


def counter_name(command_type: str, result: WriteOutcome) -> str:
    """Metric name per command type and result, e.g. ``set_reminder_stop_ok``."""
    kind = command_type.removeprefix("m3.")
    return f"{kind}_{'ok' if result.ok else 'failed'}"
