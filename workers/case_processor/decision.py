"""A decision: the case's next state and the messages it causes, in the order they are sent.

Output ids derive from the input's id and the output's position (ARCHITECTURE §3), so deciding
the same input from the same state twice produces messages with the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from contracts import Envelope, new_message
from contracts.base import Payload
from workers.case_processor.state import CaseState
from workers.domain.configuration import Configuration

SOURCE = "case-processor"


@dataclass(frozen=True)
class Context:
    """What a decision may read besides the case: configuration and the business date."""

    configuration: Configuration | None
    business_date: date


@dataclass
class Decision:
    state: CaseState
    outputs: list[tuple[str, Payload]] = field(default_factory=list)

    def emit(self, topic: str, payload: Payload) -> Decision:
        self.outputs.append((topic, payload))
        return self

    def event(self, payload: Payload) -> Decision:
        return self.emit("case.events", payload)

    def envelopes(self, cause: Envelope) -> list[tuple[str, Envelope]]:
        return [
            (topic, new_message(payload.message_type, payload, source=SOURCE, cause=cause,
                                purpose=f"{index}:{payload.message_type}", case_id=cause.case_id,
                                **_routing(payload)))
            for index, (topic, payload) in enumerate(self.outputs)
        ]


def _routing(payload: Payload) -> dict[str, str]:
    key = payload.default_key()
    return {"key": key} if key else {}
