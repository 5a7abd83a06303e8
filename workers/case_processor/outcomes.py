"""What M3 said about our commands.

A permanent failure becomes a case event a person sees. A confirmed statement records, on the
case's log, the journal it posted for this case (kept with the case until M3 confirmed it).
"""

from __future__ import annotations

from contracts import CommandFailed, Envelope, JournalLine, StatementPosted
from workers.case_processor.decision import Context, Decision
from workers.case_processor.state import CaseState

SETTLEMENT_REFERENCE = "settlement_id"


def on_command_outcome(state: CaseState, message: Envelope, context: Context) -> Decision:
    outcome = message.payload
    if not outcome.ok:
        return Decision(state).event(CommandFailed(command_type=outcome.command_type, command_id=outcome.command_id,
                                                   reason=outcome.detail or "M3 refused the command"))
    settlement_id = outcome.references.get(SETTLEMENT_REFERENCE)
    if outcome.command_type != "m3.post_statement" or settlement_id not in state.unposted_journals:
        return Decision(state)
    posted = state.unposted_journals[settlement_id]
    remaining = {k: v for k, v in state.unposted_journals.items() if k != settlement_id}
    return Decision(state.model_copy(update={"unposted_journals": remaining})).event(StatementPosted(
        settlement_id=settlement_id, division=posted["division"],
        journal=[JournalLine.model_validate(line, strict=False) for line in posted["journal"]]))
