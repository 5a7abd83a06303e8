"""Turns the domain's M3 effects into `m3.commands` payloads for one invoice."""

from __future__ import annotations

from contracts import SetCaseInfo, SetReminderStop, parse_case_id
from contracts.base import Payload
from workers.domain.m3_effects import M3Effects


def m3_commands(case_id: str, effects: M3Effects | None) -> list[Payload]:
    if effects is None:
        return []
    key = parse_case_id(case_id)
    invoice = {"company": key.company, "division": key.division, "invoice": key.invoice, "year": key.year}
    commands: list[Payload] = []
    if effects.reminder_stop is not None:
        commands.append(SetReminderStop(**invoice, code=int(effects.reminder_stop),
                                        stopped_by=effects.stopped_by, stop_date=effects.stop_date))
    if effects.info_add or effects.info_remove:
        commands.append(SetCaseInfo(**invoice, add={str(k): v for k, v in effects.info_add.items()},
                                    remove=tuple(sorted(str(k) for k in effects.info_remove))))
    return commands
