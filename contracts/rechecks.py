"""``case.rechecks``: "look at this deferred invoice again", keyed by case id.

The case processor sends these to itself when the business date moves or the configuration
changes, so a re-check is processed in order with every other message about the case instead
of racing it from a timer.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from contracts.base import Payload


class RecheckDue(Payload):
    """A deferred invoice may have become eligible (its date came, or its division was unpaused)."""

    message_type = "case.recheck_due"

    trigger: Literal["clock", "config"]
    business_date: date
    config_version: int = Field(ge=0)
