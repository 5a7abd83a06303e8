"""What M3 said about our commands: a permanent failure becomes a case event a person sees."""

from __future__ import annotations

from contracts import CommandFailed, Envelope
from workers.case_processor.decision import Context, Decision
from workers.case_processor.state import CaseState


def on_command_outcome(state: CaseState, message: Envelope, context: Context) -> Decision:
    outcome = message.payload
    if outcome.ok:
        return Decision(state)
    return Decision(state).event(CommandFailed(command_type=outcome.command_type, command_id=outcome.command_id,
                                               reason=outcome.detail or "M3 refused the command"))
