"""``m3.outcomes``: the M3 gateway's report on each command.

M3 reports errors inside HTTP 200, so the gateway classifies every result: ``ok``, or failed
and ``permanent`` (a person must act; becomes ``case.command_failed``) or transient (retried).
``references`` keeps what M3 returned, e.g. the statement's JBNO/JBDT/JBTM.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts.base import Payload

M3CommandType = Literal["m3.set_reminder_stop", "m3.set_case_info", "m3.post_statement"]


class CommandOutcome(Payload):
    """The result of the command whose envelope event id is ``command_id``."""

    message_type = "m3.command_outcome"

    command_id: UUID
    command_type: M3CommandType
    ok: bool
    permanent: bool = False
    detail: str = ""
    references: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ok_is_not_permanent_failure(self) -> CommandOutcome:
        if self.ok and self.permanent:
            raise ValueError("a successful outcome cannot be a permanent failure")
        return self
